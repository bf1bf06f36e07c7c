"""Data: a table read from CSV or Parquet and checked (or the tutorial's four points), the
validation split, and standardization."""

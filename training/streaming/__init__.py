"""Streaming and torchrun: a Parquet file read a batch at a time, the summary pass over it, the
rows a fit and its description see chunk by chunk, and the reductions across processes."""

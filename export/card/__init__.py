"""The model card: its typed sections, its JSON contract checked key by key, its markdown."""

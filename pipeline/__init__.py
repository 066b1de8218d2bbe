"""ROOTS-style multilingual corpus pipeline: catalogue -> stages -> sharded Parquet + reports."""

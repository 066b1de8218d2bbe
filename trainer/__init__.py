"""Tokenizer training, packing curated documents into token bins, and a small GPT that trains on them."""

"""Quality filters. `FilterSpec`, the discriminated union below, is the one registry of filter names:
a YAML entry `{name: word_count, min: 13}` becomes a `WordCount`; an unknown name fails listing the
valid ones. Families: ROOTS's OSCAR measures (roots.py, definitions in text.py), list structure
(structure.py) and datatrove's Gopher/C4/FineWeb filters (datatrove_filters.py). Language ID is langid.py.
"""
from typing import Annotated

from pydantic import Field

from pipeline.filters.datatrove_filters import C4Quality, DatatroveFilter, FineWebQuality, GopherQuality, GopherRepetition
from pipeline.filters.roots import CharacterRepetition, FlaggedWords, SpecialCharacters, Stopwords, WordCount, WordRepetition
from pipeline.filters.structure import ListSeparators, MenuSeparators

FilterSpec = Annotated[
    WordCount | CharacterRepetition | WordRepetition | SpecialCharacters | Stopwords | FlaggedWords
    | ListSeparators | MenuSeparators
    | GopherQuality | GopherRepetition | C4Quality | FineWebQuality,
    Field(discriminator="name"),
]

__all__ = ["FilterSpec", "DatatroveFilter"]

"""The sentencepiece model as a Hugging Face `tokenizer.json` (tokenizers / transformers load it; same ids).

The sentencepiece settings (trainer/tokenizer.py) map onto a `tokenizers` pipeline without a normaliser:
text kept as it is, spaces shown as "▁" and starting a piece (Metaspace, no dummy prefix), pieces never
crossing a script boundary (UnicodeScripts) or holding two digits (Digits), unknown characters spelt as
UTF-8 byte pieces (byte fallback). Control pieces (`<pad>` `<unk>` `<s>` `</s>`) and byte pieces get a score
no path can prefer, as sentencepiece never matches them in text; they are special tokens, never split.
Unigram models keep their scores; BPE models get their merges back from the vocabulary (a piece's merges
are its splits into two pieces of the vocabulary, ranked by the piece's id, as sentencepiece's are).
"""
from __future__ import annotations

from pathlib import Path

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
NEVER = -1e9  # a score no segmentation picks while another exists


def _proto(model: Path):
    from sentencepiece import sentencepiece_model_pb2 as pb

    m = pb.ModelProto()
    m.ParseFromString(Path(model).read_bytes())
    return m


def _merges(pieces: list[str]) -> list[tuple[str, str]]:
    rank = {p: i for i, p in enumerate(pieces)}
    merges = []
    for piece, r in rank.items():
        for k in range(1, len(piece)):
            left, right = piece[:k], piece[k:]
            if left in rank and right in rank:
                merges.append((r, rank[left], rank[right], left, right))
    return [(m[3], m[4]) for m in sorted(merges)]


def to_hf(model: Path):
    """A `tokenizers.Tokenizer` that encodes and decodes as the sentencepiece model does."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers

    m = _proto(model)
    spec = m.trainer_spec
    if spec.model_type not in (1, 2):  # UNIGRAM, BPE
        raise ValueError(f"{model}: sentencepiece model type {spec.model_type} has no tokenizers equivalent here")
    plain = {NORMAL, USER_DEFINED}
    if spec.model_type == 1:
        vocab = [(p.piece, p.score if p.type in plain else NEVER) for p in m.pieces]
        core = models.Unigram(vocab, unk_id=spec.unk_id, byte_fallback=True)
    else:
        pieces = [p.piece for p in m.pieces]
        mergeable = [p.piece if p.type in plain else "" for p in m.pieces]
        core = models.BPE({p: i for i, p in enumerate(pieces)}, _merges(mergeable), unk_token=m.pieces[spec.unk_id].piece,
                          byte_fallback=True, fuse_unk=True)
    tok = Tokenizer(core)
    # sentencepiece's words: a run of spaces and what follows it up to the next space (allow_whitespace_only_pieces)
    steps = [pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="never", split=False),
             pre_tokenizers.Split(Regex("▁*[^▁]+|▁+"), behavior="isolated")]
    if spec.split_digits:
        steps.append(pre_tokenizers.Digits(individual_digits=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence(steps)
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    tok.add_special_tokens([AddedToken(p.piece, special=True, normalized=False)
                            for p in m.pieces if p.type in (CONTROL, UNKNOWN)])
    return tok


def write_hf(model: Path, folder: Path, eos: str = "</s>") -> None:
    """`tokenizer.json` + `tokenizer_config.json` + `special_tokens_map.json`: `AutoTokenizer.from_pretrained`
    and `PreTrainedTokenizerFast(tokenizer_file=...)` load the folder."""
    import json

    m = _proto(model)
    to_hf(model).save(str(Path(folder) / "tokenizer.json"))
    names = {k: m.pieces[i].piece for k, i in (("pad_token", m.trainer_spec.pad_id), ("unk_token", m.trainer_spec.unk_id),
                                               ("bos_token", m.trainer_spec.bos_id), ("eos_token", m.trainer_spec.eos_id))
             if i >= 0}
    (Path(folder) / "special_tokens_map.json").write_text(json.dumps(names, indent=1))
    (Path(folder) / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "PreTrainedTokenizerFast", "add_bos_token": False, "add_eos_token": False,
         "clean_up_tokenization_spaces": False, "model_max_length": 1 << 30, **names}, indent=1))

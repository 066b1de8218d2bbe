"""presidio's PhoneRecognizer with phonenumbers' verdict on each candidate remembered.

presidio runs phonenumbers' matcher once per region of the language (six for English) over every window, and
the matcher parses and validates every digit run it meets, one region at a time: on real manuals 40 % of the
PII stage. The same runs come back across windows and documents (versions, dates, sizes, the same numbers), and
the matcher's verdict on a candidate depends only on the candidate, the region, the leniency and the character
on either side of it (`PhoneNumberMatcher._parse_and_verify`). `MemoMatcher` remembers that verdict, so the
matches, and so the redactions, are the ones phonenumbers gives (tests compare them on real text); only the
work is saved. The memory is bounded (`MEMO_SIZE` verdicts, then it starts over).
"""
from __future__ import annotations

from phonenumbers.phonenumbermatcher import PhoneNumberMatch, PhoneNumberMatcher
from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

MEMO_SIZE = 200_000
_MISS = object()
_memo: dict[tuple, object] = {}  # (candidate, region, leniency, char before, char after) -> number or None


class MemoMatcher(PhoneNumberMatcher):
    """phonenumbers' matcher, remembering each candidate's verdict (module-wide, across texts)."""

    def _parse_and_verify(self, candidate, offset):
        end = offset + len(candidate)
        key = (candidate, self.preferred_region, self.leniency, self.text[offset - 1] if offset > 0 else None,
               self.text[end] if end < len(self.text) else None)
        number = _memo.get(key, _MISS)
        if number is _MISS:
            match = super()._parse_and_verify(candidate, offset)
            number = None if match is None else match.number
            if len(_memo) >= MEMO_SIZE:
                _memo.clear()
            _memo[key] = number
            return match
        return None if number is None else PhoneNumberMatch(offset, candidate, number)


class MemoPhoneRecognizer(PhoneRecognizer):
    """presidio's PhoneRecognizer (same results) running `MemoMatcher`. presidio parses each match once more to name
    the region the number belongs to in the result's explanation; the redactor never asks for explanations
    (presidio drops them from what `analyze` returns), so the explanation names the matcher's region and that
    parse is not done."""

    def analyze(self, text, entities, nlp_artifacts=None):
        results = []
        for region in self.supported_regions:
            for match in MemoMatcher(text, region, leniency=self.leniency):
                results.append(self._get_recognizer_result(match, text, region, nlp_artifacts))
        return EntityRecognizer.remove_duplicates(results)

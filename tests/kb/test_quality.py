"""Search quality on the Dutch and English corpus: the right article near the top."""

from __future__ import annotations

from loket.kb.corpus import Corpus, CorpusQuery, evaluate
from loket.kb.search import search_articles

# Floors under the measured figures (see the report): a change that makes search find the
# right answer less often fails here.
MIN_RECALL_AT_3 = 0.95
MIN_MRR_AT_10 = 0.9


def test_recall_and_mrr_on_the_corpus(loaded: dict[int, str], corpus: Corpus) -> None:
    # given the published corpus; when every question is searched in its own language
    def run(q: CorpusQuery) -> list[str]:
        return [loaded[h.translation.pk] for h in search_articles(q.text, language=q.language)]

    for language in ("en", "nl"):
        queries = [q for q in corpus.queries if q.language == language]
        scores = evaluate(queries, run)
        print(language, scores)
        # then the answer is mostly in the top three, and usually first
        assert scores.recall_at_3 >= MIN_RECALL_AT_3, scores.misses
        assert scores.mrr_at_10 >= MIN_MRR_AT_10, scores.misses

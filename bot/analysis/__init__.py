"""Pure text analysis: is an article about the treaty, is it a copy, what does each sentence
report, and what is the status.

relevance (``TopicMatcher``), dedup (near-duplicates), classify (the sentence classifier: the
engine) over sentence (the shared ``SentenceContext``), rules (one per stage) and vocabulary
(their regular expressions), decide (the status from dated evidence), evaluate (the classifier
against the labelled sets in ``data/``). Nothing is imported here: import the modules.
"""

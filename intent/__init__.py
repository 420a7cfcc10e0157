"""The six-tier intent classifier: corpus, training, evaluation and live scoring."""

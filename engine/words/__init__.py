"""The word space: corpus, vocabulary, skip-gram training, evaluation."""

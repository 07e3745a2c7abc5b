"""Side panels: words (search, neighbours, analogy) now; images, audio, training later."""

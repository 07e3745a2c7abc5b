"""Views draw ``AppState``: the 2D scatter now, the 3D scatter and analogy arrows later."""

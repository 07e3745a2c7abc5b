"""The Qt desktop program: a thin client of ``engine``, which does every computation."""

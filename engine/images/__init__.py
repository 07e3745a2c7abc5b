"""The image-label space (issue 9): the pretrained encoder, picture loading, and in
later steps the dataset, WSABIE, ConSE and DeViSE."""

"""Episodes: the model and the readers that build it from post files and feeds."""

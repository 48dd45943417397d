"""TrainHub: the booking platform for training centres."""

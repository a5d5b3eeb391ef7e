"""One stateful-LSTM fit and its walk-forward evaluation: data -> model -> engine -> evaluation."""

"""Training engines: each turns (prepared data, point, initial weights) into scaled forecasts."""

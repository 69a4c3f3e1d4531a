"""Scripts that build a large dataset, time one part of the app and print one JSON line of figures."""

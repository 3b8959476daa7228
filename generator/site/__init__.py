"""The site build: the engines Kesu runs and the steps both engines get (issue 15)."""

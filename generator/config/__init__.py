"""The repository's configuration: kesu.yaml, and where rules are read from."""

"""The papers' experiments: each reproduces a table or figure beside the paper's numbers."""

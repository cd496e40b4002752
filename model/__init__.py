"""Float reference: channel models, objectives, classical precoders, GNN precoders."""

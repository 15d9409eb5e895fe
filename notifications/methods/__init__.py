"""How a delivery is sent, one module per notification method."""

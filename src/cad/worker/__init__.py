"""Workers: take stored deliveries and run them through the controller."""

"""Business customers, their contact persons and agreements, and sharing candidates with them."""

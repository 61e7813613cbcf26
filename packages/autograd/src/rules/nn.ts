// Gradient rules for neural-network ops (filled in once the nn ops land).

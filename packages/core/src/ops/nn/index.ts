// Neural-network ops (optional kernel tier with composites).
export {};

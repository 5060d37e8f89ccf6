"""mlplab's benchmarks: ``python -m benchmarks`` runs every task against its references."""

"""What every part of N1 shares: settings, the clock, the domain and the SQL store."""

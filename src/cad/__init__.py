"""CAD: Configuration Anomaly Detection for managed OpenShift clusters."""

"""Amazon CloudWatch metrics: PutMetricData, GetMetricData, GetMetricStatistics, ListMetrics."""

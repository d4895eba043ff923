//! Capacity: the pure decision logic that sizes the cluster. [`predictor`] forecasts load by
//! linear regression (trend and Fourier terms), [`hpa`] is the Kubernetes Horizontal Pod
//! Autoscaler's rule, [`autoscaler`] puts the three modes (threshold, hpa, predictive) behind
//! one type with bounds and cooldowns, [`cost`] accounts node-seconds, [`node_stats`] keeps each node's
//! CPU, memory, I/O, errors and health in bounded windows, and [`zones`] scores zones' predicted load and
//! recommends primaries to move. Nothing here knows
//! madsim or a clock: callers pass simulated time in, decisions come out.

pub mod autoscaler;
pub mod cost;
pub mod hpa;
pub mod node_stats;
pub mod predictor;
pub mod workers;
pub mod zones;

pub use autoscaler::{
    AutoScaler, AutoScalerConfig, Decision, DemandForecast, Mode, Observation, PredictiveConfig, Reason,
    ThresholdConfig,
};
pub use cost::NodeSeconds;
pub use hpa::{Hpa, HpaConfig, HpaStep, Limit};
pub use node_stats::{NodeCounters, NodeSample, NodeStats, NodeStatsConfig, NodeTotals, Refused};
pub use predictor::{mape, Fallback, Forecast, Model, PredictorConfig, RejectedSample, ScalingPredictor};
pub use workers::{WorkerStats, Workers};
pub use zones::{Evaluation, Move, Quiet, RebalanceConfig, ZoneBalancer, ZoneScore};

//! Capacity: the pure decision logic that sizes the cluster. [`predictor`] forecasts load by
//! linear regression (trend and Fourier terms), [`hpa`] is the Kubernetes Horizontal Pod
//! Autoscaler's rule, [`autoscaler`] puts the three modes (threshold, hpa, predictive) behind
//! one type with bounds and cooldowns, [`cost`] accounts node-seconds, and [`zones`] scores zones' predicted load and recommends
//! primaries to move. Nothing here knows
//! madsim or a clock: callers pass simulated time in, decisions come out.

pub mod autoscaler;
pub mod cost;
pub mod hpa;
pub mod predictor;
pub mod workers;
pub mod zones;

pub use autoscaler::{
    AutoScaler, AutoScalerConfig, Decision, DemandForecast, Mode, Observation, PredictiveConfig, Reason,
    ThresholdConfig,
};
pub use cost::NodeSeconds;
pub use hpa::{Hpa, HpaConfig, HpaStep, Limit};
pub use predictor::{mape, Fallback, Forecast, Model, PredictorConfig, RejectedSample, ScalingPredictor};
pub use workers::{WorkerStats, Workers};
pub use zones::{Evaluation, Move, Quiet, RebalanceConfig, ZoneBalancer, ZoneScore};

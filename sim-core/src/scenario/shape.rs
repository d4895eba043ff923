//! Workload shapes: the offered rate of a group as a pure function of simulated time. A base
//! (the group's steady `rate`, a ramp or a recorded trace) is multiplied by a daily cycle, by
//! spikes and by scheduled events. Arrivals stay a seeded stream; only their rate follows this.

use std::path::PathBuf;
use std::sync::Arc;

use super::units::format_ms;

/// Most spikes in one shape.
pub const SPIKES_MAX: usize = 256;
/// Most scheduled events in one shape.
pub const EVENTS_MAX: usize = 64;
/// Most rows of a recorded trace.
pub const TRACE_ROWS_MAX: usize = 100_000;

/// A group's offered load over time; `Shape::default()` is steady.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shape {
    /// What the rate is before the multipliers.
    pub base: Base,
    /// A day compressed in time: a smooth cycle between `low` × the base and the base.
    pub daily: Option<Daily>,
    /// Short bursts, each multiplying the rate while it lasts.
    pub spikes: Vec<Pulse>,
    /// Scheduled events: bursts known in advance.
    pub events: Vec<Event>,
}

/// The rate before the daily cycle, spikes and events.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Base {
    /// The group's `rate` (and its `rate_changes`).
    #[default]
    Steady,
    /// From the group's `rate` to `to_per_s`, linearly.
    Ramp(Ramp),
    /// A recorded trace, replayed.
    Trace(Arc<Trace>),
}

/// A linear ramp: the group's rate until `from_ms`, `to_per_s` from `until_ms` on.
#[derive(Clone, Debug, PartialEq)]
pub struct Ramp {
    /// The rate at the end of the ramp and after it.
    pub to_per_s: f64,
    /// When the ramp starts.
    pub from_ms: u64,
    /// When it reaches `to_per_s` (after `from_ms`).
    pub until_ms: u64,
}

/// A daily cycle compressed to `period_ms`: the factor is 1 at `peak_at_ms` (and every period
/// after or before it) and `low` half a period away, along a cosine.
#[derive(Clone, Debug, PartialEq)]
pub struct Daily {
    /// Length of one "day".
    pub period_ms: u64,
    /// The factor at the trough, from 0 to 1.
    pub low: f64,
    /// A time of peak load (below `period_ms`).
    pub peak_at_ms: u64,
}

/// A burst: the rate is multiplied by `factor` during `[at_ms, at_ms + for_ms)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pulse {
    /// When it starts.
    pub at_ms: u64,
    /// How long it lasts (> 0).
    pub for_ms: u64,
    /// The multiplier (> 0; below 1 is a dip).
    pub factor: f64,
}

impl Pulse {
    fn end_ms(&self) -> u64 {
        self.at_ms + self.for_ms
    }

    fn factor_at(&self, t_ms: f64) -> f64 {
        if t_ms >= self.at_ms as f64 && t_ms < self.end_ms() as f64 {
            self.factor
        } else {
            1.0
        }
    }
}

/// A scheduled event: a burst that is announced before it happens, so a predictive
/// autoscaler may read the schedule (`Shape::known_events`) and prepare.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The load it brings.
    pub pulse: Pulse,
    /// When it becomes known (at most `pulse.at_ms`).
    pub announced_ms: u64,
}

/// How a trace's rate runs between two rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolate {
    /// A straight line from one row's rate to the next.
    Linear,
    /// A row's rate holds until the next row.
    Step,
}

impl Interpolate {
    /// The word a scenario writes.
    pub fn word(self) -> &'static str {
        match self {
            Interpolate::Linear => "linear",
            Interpolate::Step => "step",
        }
    }
}

/// A recorded trace: rows of (time, rate), replayed from the group's start (the first row's
/// time maps to the start; after the last row its rate holds).
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The file as written in the scenario (for reports).
    pub written: String,
    /// The file, resolved to an absolute path (what the YAML writer writes back).
    pub file: PathBuf,
    /// `(offset_ms, per_s)` rows, offsets from the first row (0), strictly increasing.
    pub rows: Vec<(f64, f64)>,
    /// Between rows.
    pub interpolate: Interpolate,
    /// Every rate of the file is multiplied by this.
    pub scale: f64,
    /// The group's start: row offsets count from here.
    pub start_ms: u64,
}

impl Trace {
    /// The trace's rate at simulated time `t_ms`.
    pub fn at(&self, t_ms: f64) -> f64 {
        let x = t_ms - self.start_ms as f64;
        let i = self.rows.partition_point(|r| r.0 <= x);
        let value = match i {
            0 => self.rows[0].1,
            i if i == self.rows.len() => self.rows[i - 1].1,
            i => {
                let ((x0, y0), (x1, y1)) = (self.rows[i - 1], self.rows[i]);
                match self.interpolate {
                    Interpolate::Step => y0,
                    Interpolate::Linear => y0 + (y1 - y0) * (x - x0) / (x1 - x0),
                }
            }
        };
        value * self.scale
    }

    /// The first row time after `t_ms`, in simulated time.
    fn next_row_ms(&self, t_ms: f64) -> Option<f64> {
        let x = t_ms - self.start_ms as f64;
        let i = self.rows.partition_point(|r| r.0 <= x);
        self.rows.get(i).map(|r| r.0 + self.start_ms as f64)
    }

    /// The highest rate of the file, scaled.
    pub fn peak_per_s(&self) -> f64 {
        self.rows.iter().map(|r| r.1).fold(0.0, f64::max) * self.scale
    }

    /// How long the trace runs, first row to last.
    pub fn span_ms(&self) -> f64 {
        self.rows.last().map_or(0.0, |r| r.0)
    }
}

impl Daily {
    /// The factor at `t_ms`, from `low` to 1.
    pub fn factor(&self, t_ms: f64) -> f64 {
        let phase = (t_ms - self.peak_at_ms as f64) / self.period_ms as f64;
        self.low + (1.0 - self.low) * (1.0 + (std::f64::consts::TAU * phase).cos()) / 2.0
    }

    /// The highest factor over `[a, b]`: 1 when a peak falls inside, else at an end (the
    /// cosine is monotone between a peak and a trough, and `b - a` is at most half a period).
    fn most(&self, a: f64, b: f64) -> f64 {
        let (p, peak) = (self.period_ms as f64, self.peak_at_ms as f64);
        let next_peak = peak + ((a - peak) / p).ceil() * p;
        if next_peak <= b {
            1.0
        } else {
            self.factor(a).max(self.factor(b))
        }
    }

    /// The next multiple of an eighth of the period after `t_ms` (pieces short enough that
    /// `most` is exact and the thinning bound stays tight).
    fn next_piece_ms(&self, t_ms: f64) -> f64 {
        let piece = self.period_ms as f64 / 8.0;
        ((t_ms / piece).floor() + 1.0) * piece
    }
}

/// A stretch of time over which the rate is at most `bound_per_s`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// Where the stretch ends (after the time it was asked for).
    pub end_ms: f64,
    /// No rate in the stretch is higher.
    pub bound_per_s: f64,
}

impl Shape {
    /// True when the shape is the plain steady rate (the group's `rate` and `rate_changes`).
    pub fn is_steady(&self) -> bool {
        self.base == Base::Steady && self.daily.is_none() && self.spikes.is_empty() && self.events.is_empty()
    }

    /// The offered rate at `t_ms`, given the steady rate `steady_per_s` at that time.
    pub fn rate_per_s(&self, steady_per_s: f64, t_ms: f64) -> f64 {
        self.base_at(steady_per_s, t_ms) * self.factor(t_ms)
    }

    fn base_at(&self, steady_per_s: f64, t_ms: f64) -> f64 {
        match &self.base {
            Base::Steady => steady_per_s,
            Base::Ramp(r) => {
                let (from, until) = (r.from_ms as f64, r.until_ms as f64);
                if t_ms <= from {
                    steady_per_s
                } else if t_ms >= until {
                    r.to_per_s
                } else {
                    steady_per_s + (r.to_per_s - steady_per_s) * (t_ms - from) / (until - from)
                }
            }
            Base::Trace(trace) => trace.at(t_ms),
        }
    }

    /// The product of the daily cycle, spikes and events at `t_ms`.
    pub fn factor(&self, t_ms: f64) -> f64 {
        self.daily.as_ref().map_or(1.0, |d| d.factor(t_ms)) * self.pulse_factor(t_ms)
    }

    /// The product of the spikes and events at `t_ms`.
    fn pulse_factor(&self, t_ms: f64) -> f64 {
        let spikes: f64 = self.spikes.iter().map(|p| p.factor_at(t_ms)).product();
        let events: f64 = self.events.iter().map(|e| e.pulse.factor_at(t_ms)).product();
        spikes * events
    }

    /// The events announced by `now_ms`, in the order written: what a predictive autoscaler
    /// may know of the schedule at that time.
    pub fn known_events(&self, now_ms: u64) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.announced_ms <= now_ms)
    }

    /// The stretch from `t_ms` to the next point where the shape's pieces change (at most to
    /// `cap_ms`, when that is after `t_ms`), with a bound of the rate over it; `daily: false`
    /// ignores the daily cycle (as 1, its highest), so the stretches are longer. Within a
    /// stretch the base is linear or constant and every multiplier but the cycle constant, so
    /// the bound is the larger end.
    pub fn segment(&self, steady_per_s: f64, t_ms: f64, daily: bool, cap_ms: f64) -> Segment {
        let mut end = if cap_ms > t_ms { cap_ms } else { f64::INFINITY };
        let mut after = |x: f64| {
            if x > t_ms && x < end {
                end = x;
            }
        };
        if let Base::Ramp(r) = &self.base {
            after(r.from_ms as f64);
            after(r.until_ms as f64);
        }
        if let Base::Trace(trace) = &self.base {
            after(trace.start_ms as f64);
            if let Some(next) = trace.next_row_ms(t_ms) {
                after(next);
            }
        }
        for p in self.spikes.iter().chain(self.events.iter().map(|e| &e.pulse)) {
            after(p.at_ms as f64);
            after(p.end_ms() as f64);
        }
        let cycle = self.daily.as_ref().filter(|_| daily);
        if let Some(d) = cycle {
            after(d.next_piece_ms(t_ms));
        }
        let base_end = if end.is_finite() { end } else { t_ms };
        // A step trace holds its row's rate until the next row: the rate at `t` bounds it.
        let base = match &self.base {
            Base::Trace(trace) if trace.interpolate == Interpolate::Step => self.base_at(steady_per_s, t_ms),
            _ => self.base_at(steady_per_s, t_ms).max(self.base_at(steady_per_s, base_end)),
        };
        let factor = self.pulse_factor(t_ms);
        let cycle_most = cycle.map_or(1.0, |d| d.most(t_ms, base_end));
        Segment { end_ms: end, bound_per_s: base * factor * cycle_most }
    }

    /// The shape in a few words, for messages and reports: `ramp to 800/s from 10s until 1m,
    /// daily cycle (period 10m, low 0.2, peak at 5m), 1 spike (x4 at 30s for 5s)`.
    pub fn describe(&self) -> String {
        let mut parts = vec![];
        match &self.base {
            Base::Steady => {}
            Base::Ramp(r) => parts.push(format!(
                "ramp to {}/s from {} until {}",
                r.to_per_s,
                format_ms(r.from_ms),
                format_ms(r.until_ms)
            )),
            Base::Trace(t) => parts.push(format!(
                "trace {} ({} rows over {}, {}{})",
                t.written,
                t.rows.len(),
                format_ms(t.span_ms().round() as u64),
                t.interpolate.word(),
                if t.scale == 1.0 { String::new() } else { format!(", scaled x{}", t.scale) }
            )),
        }
        if let Some(d) = &self.daily {
            parts.push(format!(
                "daily cycle (period {}, low {}, peak at {})",
                format_ms(d.period_ms),
                d.low,
                format_ms(d.peak_at_ms)
            ));
        }
        let pulse = |p: &Pulse| format!("x{} at {} for {}", p.factor, format_ms(p.at_ms), format_ms(p.for_ms));
        if !self.spikes.is_empty() {
            let list: Vec<String> = self.spikes.iter().take(3).map(pulse).collect();
            let more = if self.spikes.len() > 3 { ", ..." } else { "" };
            parts.push(format!("{} spike(s) ({}{more})", self.spikes.len(), list.join(", ")));
        }
        for e in &self.events {
            parts.push(format!("event {} (announced at {})", pulse(&e.pulse), format_ms(e.announced_ms)));
        }
        if parts.is_empty() {
            "steady".into()
        } else {
            parts.join(", ")
        }
    }

    /// The highest rate from `from_ms` to `to_ms` (a bound: the daily cycle counts as 1).
    pub fn peak_per_s(&self, steady_per_s: f64, from_ms: u64, to_ms: u64) -> f64 {
        let (mut t, mut peak) = (from_ms as f64, 0.0f64);
        while t < to_ms as f64 {
            let s = self.segment(steady_per_s, t, false, to_ms as f64);
            peak = peak.max(s.bound_per_s);
            t = s.end_ms;
        }
        peak
    }

    /// Operations offered from `from_ms` to `to_ms` (an estimate: the daily cycle is
    /// integrated by the midpoint rule, over sixty-fourths of its period or 2^16 steps of the
    /// window, whichever is longer).
    pub fn operations(&self, steady_per_s: f64, from_ms: u64, to_ms: u64) -> f64 {
        let (mut t, mut total) = (from_ms as f64, 0.0);
        let to = to_ms as f64;
        let step_ms =
            self.daily.as_ref().map_or(f64::INFINITY, |d| (d.period_ms as f64 / 64.0).max((to - t) / 65_536.0));
        while t < to {
            let end = self.segment(steady_per_s, t, false, to).end_ms;
            let steps = ((end - t) / step_ms).ceil().max(1.0);
            let h = (end - t) / steps;
            for i in 0..steps as u64 {
                let mid = t + (i as f64 + 0.5) * h;
                total += self.rate_per_s(steady_per_s, mid) * h / 1_000.0;
            }
            t = end;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    fn trace(interpolate: Interpolate) -> Trace {
        Trace {
            written: "t.csv".into(),
            file: "/t.csv".into(),
            rows: vec![(0.0, 100.0), (10_000.0, 300.0), (20_000.0, 50.0)],
            interpolate,
            scale: 2.0,
            start_ms: 5_000,
        }
    }

    #[test]
    fn a_steady_shape_is_the_steady_rate() {
        let s = Shape::default();
        assert!(s.is_steady());
        assert_eq!(s.rate_per_s(400.0, 12_345.0), 400.0);
        assert_eq!(s.peak_per_s(400.0, 0, 60_000), 400.0);
        assert!(close(s.operations(400.0, 0, 60_000), 24_000.0));
    }

    #[test]
    fn a_ramp_runs_linearly_between_its_ends() {
        let s =
            Shape { base: Base::Ramp(Ramp { to_per_s: 800.0, from_ms: 10_000, until_ms: 60_000 }), ..Shape::default() };
        assert_eq!(s.rate_per_s(100.0, 5_000.0), 100.0);
        assert_eq!(s.rate_per_s(100.0, 10_000.0), 100.0);
        assert!(close(s.rate_per_s(100.0, 35_000.0), 450.0));
        assert_eq!(s.rate_per_s(100.0, 60_000.0), 800.0);
        assert_eq!(s.rate_per_s(100.0, 90_000.0), 800.0);
        assert!(close(s.peak_per_s(100.0, 0, 30_000), 380.0), "the peak of a window ends at its end");
        // 10 s at 100, 50 s averaging 450, 30 s at 800.
        assert!(close(s.operations(100.0, 0, 90_000), 1_000.0 + 22_500.0 + 24_000.0));
    }

    #[test]
    fn a_daily_cycle_peaks_at_its_time_and_dips_to_low_half_a_period_away() {
        let d = Daily { period_ms: 600_000, low: 0.2, peak_at_ms: 300_000 };
        assert!(close(d.factor(300_000.0), 1.0));
        assert!(close(d.factor(900_000.0), 1.0));
        assert!(close(d.factor(0.0), 0.2));
        assert!(close(d.factor(600_000.0), 0.2));
        assert!(close(d.factor(150_000.0), 0.6), "a quarter period from the peak: halfway");
        let s = Shape { daily: Some(d), ..Shape::default() };
        // Over whole periods the mean factor is (1 + low) / 2.
        let ops = s.operations(1_000.0, 0, 1_200_000);
        assert!((ops - 1_200.0 * 1_000.0 * 0.6).abs() < 1.0, "{ops}");
        assert!(close(s.peak_per_s(1_000.0, 0, 1_200_000), 1_000.0));
        let seg = s.segment(1_000.0, 0.0, true, f64::INFINITY);
        assert_eq!(seg.end_ms, 75_000.0, "an eighth of the period");
        assert!(close(seg.bound_per_s, 1_000.0 * d_factor(75_000.0)));
    }

    fn d_factor(t: f64) -> f64 {
        Daily { period_ms: 600_000, low: 0.2, peak_at_ms: 300_000 }.factor(t)
    }

    #[test]
    fn spikes_and_events_multiply_while_they_last_and_overlaps_compound() {
        let s = Shape {
            spikes: vec![Pulse { at_ms: 30_000, for_ms: 5_000, factor: 4.0 }],
            events: vec![Event { pulse: Pulse { at_ms: 33_000, for_ms: 30_000, factor: 3.0 }, announced_ms: 10_000 }],
            ..Shape::default()
        };
        assert_eq!(s.rate_per_s(100.0, 29_999.0), 100.0);
        assert_eq!(s.rate_per_s(100.0, 30_000.0), 400.0);
        assert_eq!(s.rate_per_s(100.0, 34_000.0), 1_200.0);
        assert_eq!(s.rate_per_s(100.0, 35_000.0), 300.0);
        assert_eq!(s.rate_per_s(100.0, 63_000.0), 100.0);
        assert_eq!(s.peak_per_s(100.0, 0, 100_000), 1_200.0);
        assert_eq!(s.known_events(9_999).count(), 0);
        assert_eq!(s.known_events(10_000).count(), 1, "the schedule is known from its announcement");
        let ops = s.operations(100.0, 0, 100_000);
        assert!(close(ops, 10_000.0 + 3.0 * 100.0 * 3.0 + 2.0 * 100.0 * 11.0 + 28.0 * 100.0 * 2.0), "{ops}");
    }

    #[test]
    fn a_trace_replays_from_the_group_start_and_holds_its_last_rate() {
        let linear = trace(Interpolate::Linear);
        assert_eq!(linear.at(0.0), 200.0, "before the start: the first row");
        assert_eq!(linear.at(5_000.0), 200.0);
        assert!(close(linear.at(10_000.0), 400.0));
        assert!(close(linear.at(15_000.0), 600.0));
        assert!(close(linear.at(20_000.0), 350.0));
        assert_eq!(linear.at(99_000.0), 100.0);
        let step = trace(Interpolate::Step);
        assert_eq!(step.at(14_999.0), 200.0);
        assert_eq!(step.at(15_000.0), 600.0);
        assert_eq!(step.at(24_999.0), 600.0);
        assert_eq!(step.peak_per_s(), 600.0);
        let s = Shape { base: Base::Trace(Arc::new(step)), ..Shape::default() };
        assert_eq!(s.peak_per_s(0.0, 0, 60_000), 600.0);
        assert!(close(s.operations(0.0, 5_000, 35_000), 10.0 * 200.0 + 10.0 * 600.0 + 10.0 * 100.0));
        let s = Shape { base: Base::Trace(Arc::new(linear)), ..Shape::default() };
        assert!(close(s.operations(0.0, 5_000, 25_000), 10.0 * 400.0 + 10.0 * 350.0));
    }

    #[test]
    fn segments_bound_the_rate_everywhere_inside_them() {
        let s = Shape {
            base: Base::Ramp(Ramp { to_per_s: 50.0, from_ms: 1_000, until_ms: 9_000 }),
            daily: Some(Daily { period_ms: 4_000, low: 0.1, peak_at_ms: 1_500 }),
            spikes: vec![Pulse { at_ms: 2_500, for_ms: 700, factor: 0.5 }],
            events: vec![],
        };
        let mut t = 0.0;
        while t < 10_000.0 {
            let seg = s.segment(200.0, t, true, 10_000.0);
            assert!(seg.end_ms > t);
            let mut x = t;
            while x < seg.end_ms.min(10_000.0) {
                assert!(s.rate_per_s(200.0, x) <= seg.bound_per_s * (1.0 + 1e-12), "at {x} in [{t}, {})", seg.end_ms);
                x += 7.0;
            }
            t = seg.end_ms;
        }
    }
}

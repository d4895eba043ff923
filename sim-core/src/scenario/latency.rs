//! Link latency distributions as written in scenario files: `2ms`, `{ uniform: [1ms, 5ms] }`, ...

use nodes::sim::wars::{KindLatencies, MessageKind};
use nodes::Latency;
use serde_yaml::Value;

use super::error::Invalid;
use super::locate::{item, join};
use super::units;
use super::value::{duration_text, expected, number, one_of, Fields};

/// Most components in one mixture.
const MIXTURE_PARTS_MAX: usize = 16;

/// Deepest nesting of mixtures inside mixtures.
const MIXTURE_DEPTH_MAX: usize = 4;

const KINDS: &[&str] = &["constant", "uniform", "exponential", "pareto", "mixture"];

/// Reads the latency at `field`.
pub fn latency(value: &Value, field: &str) -> Result<Latency, Invalid> {
    parse(value, field, 0)
}

/// Reads `message_latency` at `field`: a latency for any of `write_request`, `write_ack`,
/// `read_request` and `read_response` (at least one).
pub fn by_kind(value: &Value, field: &str) -> Result<KindLatencies, Invalid> {
    let names = MessageKind::ALL.map(MessageKind::name);
    if !value.is_mapping() {
        return Err(expected(field, &format!("a mapping with some of {}", one_of(&names)), value));
    }
    let fields = Fields::new(value, field, &names)?;
    let mut out = KindLatencies::default();
    for kind in MessageKind::ALL {
        if let Some(v) = fields.get(kind.name()) {
            out.set(kind, latency(v, &fields.field(kind.name()))?);
        }
    }
    if out.is_empty() {
        return Err(Invalid::new(field, format!("give a latency for at least one of {}", one_of(&names))));
    }
    Ok(out)
}

fn parse(value: &Value, field: &str, depth: usize) -> Result<Latency, Invalid> {
    match value {
        Value::String(_) | Value::Number(_) => Ok(Latency::Constant { ms: ms_at(value, field)? }),
        Value::Mapping(map) if map.len() == 1 => {
            let fields = Fields::new(value, field, KINDS)?;
            let Some(kind) = fields.keys().next() else {
                return Err(expected(field, "a latency", value));
            };
            let inner = fields.required(kind)?;
            let field = fields.field(kind);
            match kind {
                "constant" => Ok(Latency::Constant { ms: ms_at(inner, &field)? }),
                "uniform" => uniform(inner, &field),
                "exponential" => exponential(inner, &field),
                "pareto" => pareto(inner, &field),
                _ => mixture(inner, &field, depth),
            }
        }
        _ => Err(expected(field, &format!("a latency like `2ms` or a mapping with one of {}", one_of(KINDS)), value)),
    }
}

/// A latency parameter in (possibly fractional) milliseconds.
fn ms(text: &str, field: &str) -> Result<f64, Invalid> {
    units::latency_ms(text).map_err(|m| Invalid::new(field, m))
}

/// The latency parameter at `field`, written like `2ms`.
fn ms_at(value: &Value, field: &str) -> Result<f64, Invalid> {
    ms(&duration_text(value, field)?, field)
}

fn uniform(value: &Value, field: &str) -> Result<Latency, Invalid> {
    let bounds = match value.as_sequence() {
        Some(list) if list.len() == 2 => list,
        _ => return Err(expected(field, "a list of two durations, `[lo, hi]`", value)),
    };
    let lo_ms = ms_at(&bounds[0], &item(field, 0))?;
    let hi_ms = ms_at(&bounds[1], &item(field, 1))?;
    if hi_ms < lo_ms {
        return Err(Invalid::new(item(field, 1), "the upper bound is below the lower bound"));
    }
    Ok(Latency::Uniform { lo_ms, hi_ms })
}

fn exponential(value: &Value, field: &str) -> Result<Latency, Invalid> {
    let fields = Fields::new(value, field, &["min", "mean"])?;
    let min_ms = match fields.get("min") {
        Some(min) => ms_at(min, &fields.field("min"))?,
        None => 0.0,
    };
    let mean_ms = ms_at(fields.required("mean")?, &fields.field("mean"))?;
    if mean_ms <= 0.0 {
        return Err(Invalid::new(fields.field("mean"), "the mean must be greater than 0"));
    }
    Ok(Latency::Exponential { min_ms, mean_ms })
}

fn pareto(value: &Value, field: &str) -> Result<Latency, Invalid> {
    let fields = Fields::new(value, field, &["scale", "shape"])?;
    let scale_ms = ms_at(fields.required("scale")?, &fields.field("scale"))?;
    if scale_ms <= 0.0 {
        return Err(Invalid::new(fields.field("scale"), "the scale must be greater than 0"));
    }
    let shape = number(fields.required("shape")?, &fields.field("shape"))?;
    if shape <= 0.0 {
        return Err(Invalid::new(fields.field("shape"), "the shape must be greater than 0"));
    }
    Ok(Latency::Pareto { scale_ms, shape })
}

fn mixture(value: &Value, field: &str, depth: usize) -> Result<Latency, Invalid> {
    if depth >= MIXTURE_DEPTH_MAX {
        return Err(Invalid::new(field, format!("mixtures nest at most {MIXTURE_DEPTH_MAX} deep")));
    }
    let Some(list) = value.as_sequence() else {
        return Err(expected(field, "a list of `{ weight, latency }`", value));
    };
    if list.is_empty() || list.len() > MIXTURE_PARTS_MAX {
        return Err(Invalid::new(field, format!("a mixture has 1 to {MIXTURE_PARTS_MAX} parts")));
    }
    let mut parts = Vec::with_capacity(list.len());
    for (i, part) in list.iter().enumerate() {
        let path = item(field, i);
        let fields = Fields::new(part, &path, &["weight", "latency"])?;
        let weight = number(fields.required("weight")?, &fields.field("weight"))?;
        if weight <= 0.0 {
            return Err(Invalid::new(fields.field("weight"), "a weight must be greater than 0"));
        }
        let latency = parse(fields.required("latency")?, &join(&path, "latency"), depth + 1)?;
        parts.push((weight, latency));
    }
    // Each weight is finite, but their sum may not be (1e308 + 1e308): the sampler draws from
    // [0, sum), so the sum must be a finite number too.
    let total: f64 = parts.iter().map(|p| p.0).sum();
    if !total.is_finite() {
        return Err(Invalid::new(
            field,
            format!("the weights add up to {total}, more than a number can hold: scale them down (only their ratios matter)"),
        ));
    }
    Ok(Latency::Mixture(parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Latency, Invalid> {
        latency(&serde_yaml::from_str(text).expect("test yaml"), "net.latency")
    }

    #[test]
    fn every_distribution_shape_reads() {
        assert_eq!(read("2ms"), Ok(Latency::Constant { ms: 2.0 }));
        assert_eq!(read("{ constant: 0.5ms }"), Ok(Latency::Constant { ms: 0.5 }));
        assert_eq!(read("{ uniform: [1ms, 5ms] }"), Ok(Latency::Uniform { lo_ms: 1.0, hi_ms: 5.0 }));
        assert_eq!(
            read("{ exponential: { min: 1ms, mean: 2ms } }"),
            Ok(Latency::Exponential { min_ms: 1.0, mean_ms: 2.0 })
        );
        assert_eq!(read("{ pareto: { scale: 1ms, shape: 2.5 } }"), Ok(Latency::Pareto { scale_ms: 1.0, shape: 2.5 }));
        assert_eq!(
            read("{ mixture: [ { weight: 0.9, latency: 1ms }, { weight: 0.1, latency: { uniform: [50ms, 80ms] } } ] }"),
            Ok(Latency::Mixture(vec![
                (0.9, Latency::Constant { ms: 1.0 }),
                (0.1, Latency::Uniform { lo_ms: 50.0, hi_ms: 80.0 })
            ]))
        );
    }

    #[test]
    fn latencies_by_message_kind_read_and_name_their_field() {
        let read = |text: &str| by_kind(&serde_yaml::from_str(text).expect("test yaml"), "net.message_latency");
        let k = read("{ write_request: 2ms, read_response: { exponential: { mean: 1ms } } }").unwrap();
        assert_eq!(k.get(MessageKind::WriteRequest), Some(&Latency::Constant { ms: 2.0 }));
        assert_eq!(k.get(MessageKind::ReadResponse), Some(&Latency::Exponential { min_ms: 0.0, mean_ms: 1.0 }));
        assert_eq!(k.get(MessageKind::WriteAck), None);
        let field = |text: &str| read(text).err().map(|e| e.field);
        assert_eq!(field("{ write_ack: 2 }"), Some("net.message_latency.write_ack".into()));
        assert_eq!(field("{ write_akc: 2ms }"), Some("net.message_latency.write_akc".into()));
        assert_eq!(field("{}"), Some("net.message_latency".into()));
        assert_eq!(field("2ms"), Some("net.message_latency".into()));
    }

    #[test]
    fn bad_latencies_name_the_inner_field() {
        let field = |text: &str| read(text).err().map(|e| e.field);
        assert_eq!(field("2"), Some("net.latency".into()));
        assert_eq!(field("{ uniform: [5ms, 1ms] }"), Some("net.latency.uniform[1]".into()));
        assert_eq!(field("{ uniform: [1ms] }"), Some("net.latency.uniform".into()));
        assert_eq!(field("{ gaussian: 2ms }"), Some("net.latency.gaussian".into()));
        assert_eq!(field("{ pareto: { scale: 1ms } }"), Some("net.latency.pareto.shape".into()));
        assert_eq!(field("{ mixture: [ { weight: 1, latency: 2 } ] }"), Some("net.latency.mixture[0].latency".into()));
        assert_eq!(field("{ constant: 1ms, uniform: [1ms, 2ms] }"), Some("net.latency".into()));
        let huge = "{ mixture: [ { weight: 1.5e308, latency: 1ms }, { weight: 1.5e308, latency: 2ms } ] }";
        assert_eq!(field(huge), Some("net.latency.mixture".into()), "weights that sum to infinity");
    }
}

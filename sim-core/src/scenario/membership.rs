//! The `cluster.membership:` section: SWIM gossip membership, off unless asked for, and its
//! timing (probe period and timeout, suspicion, rejoin announcements).

use nodes::membership::GossipConfig;
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::duration;
use super::units::format_ms;
use super::value::{duration_text, expected, number, Fields};

/// Shortest and longest of every gossip period.
pub const GOSSIP_MS_RANGE: (u64, u64) = (1, 600_000);
/// Most members asked to probe a silent one indirectly.
pub const INDIRECT_PROBES_MAX: u8 = 16;

/// `membership: { gossip: on, probe_period: 500ms, probe_timeout: 150ms, suspicion: 2s,
/// indirect_probes: 3, rejoin: 2s }`: `None` when absent or `gossip: off`.
pub(crate) fn membership(raw: Option<&Value>) -> Result<Option<GossipConfig>, Invalid> {
    const FIELD: &str = "cluster.membership";
    let Some(raw) = raw else { return Ok(None) };
    if !matches!(raw, Value::Mapping(_)) {
        return Err(expected(FIELD, "a mapping like `{ gossip: on, probe_period: 500ms }`", raw));
    }
    let keys = ["gossip", "probe_period", "probe_timeout", "suspicion", "indirect_probes", "rejoin"];
    let fields = Fields::new(raw, FIELD, &keys)?;
    let on = match fields.get("gossip") {
        Some(Value::String(s)) if s == "on" => true,
        Some(Value::String(s)) if s == "off" => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(expected(&fields.field("gossip"), "`on` or `off`", other)),
        None => return Err(Invalid::new(fields.field("gossip"), "say `gossip: on` (or `off`) with the settings")),
    };
    let mut cfg = GossipConfig::default();
    let period = |name: &str| -> Result<Option<u64>, Invalid> {
        let Some(v) = fields.get(name) else { return Ok(None) };
        let field = fields.field(name);
        let ms = duration(&duration_text(v, &field)?, &field)?;
        if !(GOSSIP_MS_RANGE.0..=GOSSIP_MS_RANGE.1).contains(&ms) {
            return Err(Invalid::new(field, format!("{}: use 1ms to 10min", format_ms(ms))));
        }
        Ok(Some(ms))
    };
    cfg.probe_period_ms = period("probe_period")?.unwrap_or(cfg.probe_period_ms);
    cfg.probe_rtt_ms = period("probe_timeout")?.unwrap_or(cfg.probe_rtt_ms);
    cfg.suspicion_ms = period("suspicion")?.unwrap_or(cfg.suspicion_ms);
    cfg.rejoin_ms = period("rejoin")?.unwrap_or(cfg.rejoin_ms);
    if cfg.probe_rtt_ms >= cfg.probe_period_ms {
        return Err(Invalid::new(
            fields.field(if fields.get("probe_timeout").is_some() { "probe_timeout" } else { "probe_period" }),
            format!(
                "the probe timeout ({}) must be shorter than the probe period ({}): indirect probes need the rest",
                format_ms(cfg.probe_rtt_ms),
                format_ms(cfg.probe_period_ms)
            ),
        ));
    }
    if let Some(v) = fields.get("indirect_probes") {
        let field = fields.field("indirect_probes");
        let n = number(v, &field)?;
        if n.fract() != 0.0 || !(1.0..=f64::from(INDIRECT_PROBES_MAX)).contains(&n) {
            return Err(Invalid::new(field, format!("{n}: a whole number of members, 1 to {INDIRECT_PROBES_MAX}")));
        }
        cfg.indirect_probes = n as u8;
    }
    Ok(on.then_some(cfg))
}

/// The `cluster.membership` line the scenario writer emits (`None`: gossip off, no line).
pub fn membership_text(cfg: Option<GossipConfig>) -> Option<String> {
    let c = cfg?;
    Some(format!(
        "{{ gossip: on, probe_period: {}, probe_timeout: {}, suspicion: {}, indirect_probes: {}, rejoin: {} }}",
        format_ms(c.probe_period_ms),
        format_ms(c.probe_rtt_ms),
        format_ms(c.suspicion_ms),
        c.indirect_probes,
        format_ms(c.rejoin_ms)
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::scenario::parse;

    fn with_membership(membership: &str) -> String {
        format!(
            "name: s\ndescription: d\nduration: 10s\ncluster:\n  nodes: 3\n  replication: {{ n: 3 }}\n  \
             membership: {membership}\nworkload: [{{ clients: 1, rate: 1/s, keys: 1 }}]\n"
        )
    }

    fn error(membership: &str) -> String {
        match parse(Path::new("s.yaml"), &with_membership(membership)) {
            Ok(_) => panic!("`{membership}` should be refused"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn gossip_is_off_unless_asked_for_and_takes_its_timing() {
        let spec = |m: &str| parse(Path::new("s.yaml"), &with_membership(m)).expect("valid").cluster.membership;
        assert_eq!(spec("{ gossip: off }"), None);
        let on = spec("{ gossip: on }").expect("on");
        assert_eq!(on, nodes::membership::GossipConfig::default());
        let set = spec("{ gossip: on, probe_period: 1s, suspicion: 5s, indirect_probes: 2, rejoin: 3s }").expect("on");
        assert_eq!(
            (set.probe_period_ms, set.suspicion_ms, set.indirect_probes, set.rejoin_ms),
            (1_000, 5_000, 2, 3_000)
        );
    }

    #[test]
    fn bad_membership_settings_name_their_field_and_line() {
        let e = error("yes");
        assert!(e.contains("cluster.membership: expected a mapping"), "{e}");
        assert!(e.contains("s.yaml:"), "{e}");
        let e = error("{ probe_period: 1s }");
        assert!(e.contains("cluster.membership.gossip: say `gossip: on`"), "{e}");
        let e = error("{ gossip: maybe }");
        assert!(e.contains("cluster.membership.gossip: expected `on` or `off`"), "{e}");
        let e = error("{ gossip: on, probe_period: 0s }");
        assert!(e.contains("cluster.membership.probe_period: 0s: use 1ms to 10min"), "{e}");
        let e = error("{ gossip: on, probe_period: 100ms, probe_timeout: 200ms }");
        assert!(e.contains("cluster.membership.probe_timeout: the probe timeout"), "{e}");
        let e = error("{ gossip: on, indirect_probes: 0 }");
        assert!(e.contains("cluster.membership.indirect_probes: 0: a whole number"), "{e}");
        let e = error("{ gossip: on, bogus: 1 }");
        assert!(e.contains("cluster.membership"), "{e}");
    }
}

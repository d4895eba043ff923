//! The roster: every member a node knows, sent whole to a node that (re)joined. SWIM's feed
//! answers an announcement with only as many members as fit one packet (about 120 of ours); at
//! 1,000 nodes the joiner would hold the rest down until it heard from each of them, which took
//! it up to 21 s (measured). Like memberlist's push-pull sync, the joiner asks the member that fed
//! it for the whole list once, and applies it without re-gossiping it.

use foca::{Codec, Member};

use super::codec::{decode_member, DecodeError, WireCodec};
use super::identity::NodeId;

/// Encodes `members` as a count and the members in foca's wire format.
pub fn encode<'a>(members: impl Iterator<Item = &'a Member<NodeId>>) -> Box<[u8]> {
    let mut buf = vec![0u8; 4];
    let mut count: u32 = 0;
    for m in members {
        WireCodec.encode_member(m, &mut buf).expect("a growing buffer has room");
        count += 1;
    }
    buf[..4].copy_from_slice(&count.to_be_bytes());
    buf.into_boxed_slice()
}

/// Decodes a roster; a short or malformed one is refused whole.
pub fn decode(data: &[u8]) -> Result<Vec<Member<NodeId>>, DecodeError> {
    let (count, mut buf) = match data {
        [a, b, c, d, rest @ ..] => (u32::from_be_bytes([*a, *b, *c, *d]), rest),
        _ => return Err(DecodeError("short roster")),
    };
    let mut members = Vec::with_capacity(count.min(1 << 16) as usize);
    for _ in 0..count {
        members.push(decode_member(&mut buf)?);
    }
    if !buf.is_empty() {
        return Err(DecodeError("bytes after the roster"));
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use foca::State;

    #[test]
    fn a_roster_reads_back_as_written_and_a_damaged_one_is_refused() {
        let members = [
            Member::new(NodeId { addr: 1, gen: 0 }, 3, State::Alive),
            Member::new(NodeId { addr: 7, gen: 65_536 }, 0, State::Suspect),
            Member::new(NodeId { addr: 9, gen: 2 }, 1, State::Down),
        ];
        let data = encode(members.iter());
        assert_eq!(decode(&data).expect("decodes"), members);
        assert_eq!(decode(&encode([].iter())).expect("empty"), vec![]);
        for len in 0..data.len() {
            assert!(decode(&data[..len]).is_err(), "{len} of {} bytes decoded", data.len());
        }
        let mut longer = data.to_vec();
        longer.push(0);
        assert!(decode(&longer).is_err());
    }
}

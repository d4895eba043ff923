//! foca's wire format for our identities: fixed-width fields, no serde. Only our own nodes
//! speak it, inside one process, so it needs no versioning.

use bytes::{Buf, BufMut};
use foca::{Header, Member, Message, State};

use super::identity::NodeId;

/// A malformed gossip packet (only a bug in the encoder can make one).
#[derive(Debug)]
pub struct DecodeError(pub(super) &'static str);

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "malformed gossip packet: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Bytes of the longest header: two identities, an incarnation, a tag, an identity, a number.
const HEADER_MAX: usize = 8 + 2 + 8 + 1 + 8 + 1;
/// Bytes of a member update: identity, incarnation, state.
const MEMBER_LEN: usize = 8 + 2 + 1;

/// The codec foca encodes headers and member updates with.
#[derive(Clone, Copy, Debug, Default)]
pub struct WireCodec;

fn put_id(id: &NodeId, buf: &mut impl BufMut) {
    buf.put_u32(id.addr);
    buf.put_u32(id.gen);
}

fn get_id(buf: &mut impl Buf) -> Result<NodeId, DecodeError> {
    if buf.remaining() < 8 {
        return Err(DecodeError("short identity"));
    }
    Ok(NodeId { addr: buf.get_u32(), gen: buf.get_u32() })
}

fn get_u8(buf: &mut impl Buf) -> Result<u8, DecodeError> {
    if buf.remaining() < 1 {
        return Err(DecodeError("short field"));
    }
    Ok(buf.get_u8())
}

/// Reads a header without foca (to see whom a packet is from and about).
pub fn decode_header(mut buf: impl Buf) -> Result<Header<NodeId>, DecodeError> {
    let src = get_id(&mut buf)?;
    if buf.remaining() < 2 {
        return Err(DecodeError("short incarnation"));
    }
    let src_incarnation = buf.get_u16();
    let dst = get_id(&mut buf)?;
    let tag = get_u8(&mut buf)?;
    let message = match tag {
        0 => Message::Ping(get_u8(&mut buf)?),
        1 => Message::Ack(get_u8(&mut buf)?),
        2 => Message::PingReq { target: get_id(&mut buf)?, probe_number: get_u8(&mut buf)? },
        3 => Message::IndirectPing { origin: get_id(&mut buf)?, probe_number: get_u8(&mut buf)? },
        4 => Message::IndirectAck { target: get_id(&mut buf)?, probe_number: get_u8(&mut buf)? },
        5 => Message::ForwardedAck { origin: get_id(&mut buf)?, probe_number: get_u8(&mut buf)? },
        6 => Message::Announce,
        7 => Message::Feed,
        8 => Message::Gossip,
        9 => Message::Broadcast,
        10 => Message::TurnUndead,
        _ => return Err(DecodeError("unknown message")),
    };
    Ok(Header { src, src_incarnation, dst, message })
}

/// Reads one member update without foca.
pub fn decode_member(mut buf: impl Buf) -> Result<Member<NodeId>, DecodeError> {
    let id = get_id(&mut buf)?;
    if buf.remaining() < 3 {
        return Err(DecodeError("short member"));
    }
    let incarnation = buf.get_u16();
    let state = match buf.get_u8() {
        0 => State::Alive,
        1 => State::Suspect,
        2 => State::Down,
        _ => return Err(DecodeError("unknown state")),
    };
    Ok(Member::new(id, incarnation, state))
}

impl foca::Codec<NodeId> for WireCodec {
    type Error = DecodeError;

    fn encode_header(&mut self, header: &Header<NodeId>, mut buf: impl BufMut) -> Result<(), DecodeError> {
        // foca fills packets up to their size limit and stops at the first refusal.
        if buf.remaining_mut() < HEADER_MAX {
            return Err(DecodeError("no room for a header"));
        }
        put_id(&header.src, &mut buf);
        buf.put_u16(header.src_incarnation);
        put_id(&header.dst, &mut buf);
        let mut with = |tag: u8, id: Option<&NodeId>, n: Option<u8>| {
            buf.put_u8(tag);
            if let Some(id) = id {
                put_id(id, &mut buf);
            }
            if let Some(n) = n {
                buf.put_u8(n);
            }
        };
        match &header.message {
            Message::Ping(n) => with(0, None, Some(*n)),
            Message::Ack(n) => with(1, None, Some(*n)),
            Message::PingReq { target, probe_number } => with(2, Some(target), Some(*probe_number)),
            Message::IndirectPing { origin, probe_number } => with(3, Some(origin), Some(*probe_number)),
            Message::IndirectAck { target, probe_number } => with(4, Some(target), Some(*probe_number)),
            Message::ForwardedAck { origin, probe_number } => with(5, Some(origin), Some(*probe_number)),
            Message::Announce => with(6, None, None),
            Message::Feed => with(7, None, None),
            Message::Gossip => with(8, None, None),
            Message::Broadcast => with(9, None, None),
            Message::TurnUndead => with(10, None, None),
        }
        Ok(())
    }

    fn decode_header(&mut self, buf: impl Buf) -> Result<Header<NodeId>, DecodeError> {
        decode_header(buf)
    }

    fn encode_member(&mut self, member: &Member<NodeId>, mut buf: impl BufMut) -> Result<(), DecodeError> {
        if buf.remaining_mut() < MEMBER_LEN {
            return Err(DecodeError("no room for a member"));
        }
        put_id(member.id(), &mut buf);
        buf.put_u16(member.incarnation());
        buf.put_u8(match member.state() {
            State::Alive => 0,
            State::Suspect => 1,
            State::Down => 2,
        });
        Ok(())
    }

    fn decode_member(&mut self, buf: impl Buf) -> Result<Member<NodeId>, DecodeError> {
        decode_member(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foca::Codec;

    #[test]
    fn headers_and_members_read_back_as_written() {
        let (a, b) = (NodeId { addr: 1, gen: 7 }, NodeId { addr: 9, gen: 0 });
        let messages = [
            Message::Ping(3),
            Message::PingReq { target: b, probe_number: 4 },
            Message::ForwardedAck { origin: a, probe_number: 5 },
            Message::TurnUndead,
        ];
        for message in messages {
            let header = Header { src: a, src_incarnation: 300, dst: b, message };
            let mut buf = Vec::new();
            WireCodec.encode_header(&header, &mut buf).expect("encodes");
            assert_eq!(decode_header(&buf[..]).expect("decodes"), header);
        }
        let member = Member::new(b, 2, State::Suspect);
        let mut buf = Vec::new();
        WireCodec.encode_member(&member, &mut buf).expect("encodes");
        assert_eq!(decode_member(&buf[..]).expect("decodes"), member);
        assert!(decode_member(&buf[..5]).is_err());
        let mut full = [0u8; 10];
        assert!(WireCodec.encode_member(&member, &mut full[..]).is_err(), "a full packet refuses the update");
    }

    #[test]
    fn every_truncated_header_is_refused_not_misread() {
        let (a, b) = (NodeId { addr: 1, gen: 7 }, NodeId { addr: 9, gen: 0 });
        for message in [Message::Ack(1), Message::IndirectPing { origin: b, probe_number: 2 }, Message::Feed] {
            let header = Header { src: a, src_incarnation: 300, dst: b, message };
            let mut buf = Vec::new();
            WireCodec.encode_header(&header, &mut buf).expect("encodes");
            for len in 0..buf.len() {
                assert!(decode_header(&buf[..len]).is_err(), "{len} of {} bytes decoded", buf.len());
            }
        }
    }

    #[test]
    fn a_header_is_written_whole_or_refused_when_the_packet_is_nearly_full() {
        // The longest header (a target and a probe number) is HEADER_MAX bytes.
        let header = Header {
            src: NodeId { addr: 1, gen: 7 },
            src_incarnation: 1,
            dst: NodeId { addr: 2, gen: 0 },
            message: Message::PingReq { target: NodeId { addr: 3, gen: 1 }, probe_number: 4 },
        };
        let mut exact = [0u8; 28];
        WireCodec.encode_header(&header, &mut exact[..]).expect("fits exactly");
        assert_eq!(decode_header(&exact[..]).expect("decodes"), header);
        let mut short = [0u8; 27];
        assert!(WireCodec.encode_header(&header, &mut short[..]).is_err());
        assert_eq!(short, [0u8; 27], "nothing written");
    }
}

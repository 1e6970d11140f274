import Foundation
import Testing

@testable import ModelWatchCore

/// The gzip robustness corpus, run through both inflate backends: ISA-L (the fast one) and
/// zlib (the reference). Each case states what both must do; the oracle cases compare ISA-L's
/// output and ending with zlib's on the same bytes fed in many block sizes.
@Suite struct GzipMemberReaderTests {
    struct Decoded {
        var bytes: [UInt8]
        var ending: GzipMemberReader.Ending
        var members: Int
        var offset: Int
    }

    static func decode(
        _ data: Data, backend: InflateBackend, blockSize: Int = 4096, outputSize: Int = 1000
    ) throws -> Decoded {
        let reader = try GzipMemberReader(backend: backend)
        #expect(reader.backend == backend)
        var output = [UInt8](repeating: 0, count: outputSize)
        var decoded: [UInt8] = []
        let input = [UInt8](data)
        input.withUnsafeBytes { buffer in
            var start = 0
            while start < buffer.count {
                let end = min(buffer.count, start + blockSize)
                output.withUnsafeMutableBytes { out in
                    reader.decode(UnsafeRawBufferPointer(rebasing: buffer[start..<end]), output: out) { decoded += $0 }
                }
                start = end
            }
        }
        return Decoded(
            bytes: decoded, ending: reader.finish(), members: reader.memberCount, offset: reader.compressedOffset)
    }

    /// Lines of text that compress the way logs do, `count` of them.
    static func text(_ count: Int, seed: UInt64 = 1) -> Data {
        var generator = SplitMix64(seed: seed)
        return Data(
            (0..<count).map { index in
                "{\"n\":\(index),\"model\":\"m-\(generator.next() % 7)\",\"latency_ms\":\(generator.next() % 5000)}\n"
            }.joined().utf8)
    }

    /// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as RFC 1952 section 8 specifies),
    /// bit by bit: slow and obviously right, for building test headers and trailers.
    static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 0 ? 0 : 0xEDB8_8320) }
        }
        return ~crc
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// `member` (from `gzip -n`: a 10-byte header with no flags) rewritten with every optional
    /// header field RFC 1952 allows: FEXTRA, FNAME, FCOMMENT and FHCRC (the header's CRC-16).
    static func withEveryHeaderField(_ member: Data) -> Data {
        let bytes = [UInt8](member)
        var header: [UInt8] = [0x1F, 0x8B, 0x08, 0x02 | 0x04 | 0x08 | 0x10] + Array(bytes[4..<10])
        let extra = Array("MW\u{5}\u{0}hello".utf8)  // subfield "MW", length 5
        header += [UInt8(extra.count), 0] + extra
        header += Array("inference-2026-11-01.jsonl".utf8) + [0]
        header += Array("rotated by logrotate".utf8) + [0]
        let headerCRC = crc32(header) & 0xFFFF
        header += [UInt8(headerCRC & 0xFF), UInt8(headerCRC >> 8)]
        return Data(header + bytes[10...])
    }

    @Test(arguments: InflateBackend.allCases)
    func multiMemberDecodesAsOneStream(backend: InflateBackend) throws {
        let first = Data((0..<5000).map { "line \($0)\n" }.joined().utf8)
        let second = Data("second member\n".utf8)
        let joined = try TestSupport.gzip(first) + TestSupport.gzip(second) + TestSupport.gzip(Data())
        for blockSize in [1, 2, 3, 7, 100, 4096, 65536, joined.count] {
            for outputSize in [1, 1000, 1 << 18] {
                let result = try Self.decode(joined, backend: backend, blockSize: blockSize, outputSize: outputSize)
                #expect(result.bytes == [UInt8](first + second), "block \(blockSize) output \(outputSize)")
                #expect(result.ending == .complete)
                #expect(result.members == 3)
                #expect(result.offset == joined.count)
            }
        }
    }

    /// ISA-L 2.30 mis-parses a gzip header split across calls when it parses the header
    /// itself (`ISAL_GZIP`); every split point of a header with every optional field, and a
    /// second member right after the first, must decode.
    @Test(arguments: InflateBackend.allCases)
    func headersWithEveryFieldSplitAnywhere(backend: InflateBackend) throws {
        let text = Self.text(300)
        let member = Self.withEveryHeaderField(try TestSupport.gzip(text))
        let twice = member + member
        for blockSize in [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, twice.count] {
            let result = try Self.decode(twice, backend: backend, blockSize: blockSize)
            #expect(result.ending == .complete, "block \(blockSize)")
            #expect(result.bytes == [UInt8](text + text), "block \(blockSize)")
            #expect(result.members == 2)
            #expect(result.offset == twice.count)
        }
        // A header checksum that does not match is corrupt, for both.
        var badHeader = [UInt8](member)
        // The name's and the comment's terminating zeros are the first two past the extra field.
        let commentEnd = badHeader.indices.filter { badHeader[$0] == 0 && $0 > 20 }[1]
        badHeader[commentEnd + 1] ^= 0xFF
        let result = try Self.decode(Data(badHeader), backend: backend, blockSize: 3)
        guard case .corrupt = result.ending else {
            Issue.record("a bad header CRC gave \(result.ending)")
            return
        }
        #expect(result.bytes.isEmpty)
    }

    @Test(arguments: InflateBackend.allCases)
    func truncatedKeepsWhatWasDecoded(backend: InflateBackend) throws {
        let text = Data((0..<20000).map { "record number \($0) with some text\n" }.joined().utf8)
        let compressed = try TestSupport.gzip(text)
        // Cut inside the header, the deflate data and the trailer (a lone first magic byte is
        // trailing garbage, not a member: `garbageAfterTheLastMember`).
        for cut in [2, 5, 10, 11, compressed.count / 2, compressed.count - 8, compressed.count - 1] {
            let result = try Self.decode(Data(compressed.prefix(cut)), backend: backend)
            #expect(result.ending == .truncated, "cut at \(cut)")
            #expect(result.bytes.count < text.count || cut >= compressed.count - 8, "cut at \(cut)")
            #expect(result.bytes == [UInt8](text.prefix(result.bytes.count)), "cut at \(cut)")
            #expect(result.offset == cut, "cut at \(cut)")
        }
        let half = try Self.decode(Data(compressed.prefix(compressed.count / 2)), backend: backend)
        #expect(half.bytes.count > 0)
    }

    @Test(arguments: InflateBackend.allCases)
    func garbageAfterTheLastMember(backend: InflateBackend) throws {
        let compressed = try TestSupport.gzip(Data("hello\n".utf8))
        for blockSize in [1, 4096] {
            let result = try Self.decode(compressed + Data("JUNKJUNK".utf8), backend: backend, blockSize: blockSize)
            #expect(result.bytes == Array("hello\n".utf8))
            #expect(result.ending == .trailingGarbage)
            #expect(result.offset == compressed.count)
        }
        // One stray byte after the last member is garbage too.
        let single = try Self.decode(compressed + Data([0x1F]), backend: backend)
        #expect(single.ending == .trailingGarbage)
    }

    @Test(arguments: InflateBackend.allCases)
    func corruptDataIsReportedNotCrashed(backend: InflateBackend) throws {
        var compressed = try TestSupport.gzip(Data((0..<5000).map { "line \($0)\n" }.joined().utf8))
        for index in 40..<60 { compressed[index] ^= 0x5A }
        let result = try Self.decode(compressed, backend: backend)
        guard case .corrupt(let error) = result.ending else {
            Issue.record("expected corrupt, got \(result.ending)")
            return
        }
        #expect(error.code == -3)  // Z_DATA_ERROR
        #expect(result.offset < compressed.count)
    }

    /// The trailer's CRC-32 and ISIZE are both checked, member by member: a wrong one is
    /// corrupt after the member's bytes were handed on, and nothing after it is decoded.
    @Test(arguments: InflateBackend.allCases)
    func everyMembersCRCAndLengthAreVerified(backend: InflateBackend) throws {
        let text = Self.text(2000)
        let member = try TestSupport.gzip(text)
        let crcAt = member.count - 8
        let lengthAt = member.count - 4
        for (what, index) in [("CRC-32", crcAt), ("ISIZE", lengthAt), ("ISIZE high byte", member.count - 1)] {
            var damaged = member
            damaged[index] ^= 0x01
            let file = member + damaged + member
            for blockSize in [1, 7, 4096, file.count] {
                let result = try Self.decode(file, backend: backend, blockSize: blockSize)
                guard case .corrupt(let error) = result.ending else {
                    Issue.record("\(what) damaged, block \(blockSize): \(result.ending)")
                    continue
                }
                #expect(error.code == -3)
                #expect(result.members == 2, "\(what)")
                #expect(result.bytes == [UInt8](text + text), "\(what) block \(blockSize)")
                #expect(result.offset <= member.count * 2, "\(what)")
            }
        }
    }

    /// ISA-L against zlib on the same bytes: random multi-member files, cut or damaged at
    /// random places, fed in random block sizes. Both must find the same ending kind and
    /// members; where both decode to the end they give the same bytes, and a truncated or
    /// damaged stream gives a prefix of the true text in both.
    @Test func isalMatchesZlibOnRandomDamage() throws {
        var generator = SplitMix64(seed: 13)
        var members: [(text: Data, gzip: Data)] = []
        for index in 0..<6 {
            let text = Self.text(Int(generator.next() % 3000), seed: UInt64(index))
            members.append((text, try TestSupport.gzip(text)))
        }
        for round in 0..<60 {
            let chosen = (0..<(1 + Int(generator.next() % 4))).map { _ in members[Int(generator.next() % 6)] }
            let original = chosen.reduce(Data()) { $0 + $1.text }
            var file = chosen.reduce(Data()) { $0 + $1.gzip }
            switch round % 3 {
            case 0: file = file.prefix(Int(generator.next() % UInt64(file.count)))
            case 1:
                let index = Int(generator.next() % UInt64(file.count))
                file[index] ^= UInt8(1 + generator.next() % 255)
            default: file += Data("trailing\n".utf8)
            }
            let blockSize = [1, 3, 17, 512, 4096, 65536][Int(generator.next() % 6)]
            let zlib = try Self.decode(file, backend: .zlib, blockSize: blockSize)
            let isal = try Self.decode(file, backend: .isal, blockSize: blockSize)
            let context = "round \(round) block \(blockSize): zlib \(zlib.ending) isal \(isal.ending)"
            switch (zlib.ending, isal.ending) {
            case (.corrupt, .corrupt): break
            default: #expect(zlib.ending == isal.ending, "\(context)")
            }
            #expect(zlib.members == isal.members, "\(context)")
            if zlib.ending == .complete || zlib.ending == .trailingGarbage {
                #expect(isal.bytes == zlib.bytes, "\(context)")
                #expect(isal.offset == zlib.offset, "\(context)")
            }
            if zlib.ending == .truncated {
                #expect(isal.offset == zlib.offset, "\(context)")
                #expect(isal.bytes == [UInt8](original.prefix(isal.bytes.count)), "\(context)")
                #expect(zlib.bytes == [UInt8](original.prefix(zlib.bytes.count)), "\(context)")
            }
        }
    }
}

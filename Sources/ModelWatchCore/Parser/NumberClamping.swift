/// Log numbers turned into integer fields. A log's numbers are attacker-controlled text: Swift's
/// `Int(_: Double)` traps on a value outside the integer's range (`"completion_tokens": 3e40`,
/// a body size of forty digits), so every such conversion goes through these, which round
/// toward zero and clamp to the type's range instead (NaN reads as 0).
extension Int32 {
    @inline(__always)
    init(clampingNumber value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 2_147_483_647 {
            self = .max
        } else if value <= -2_147_483_648 {
            self = .min
        } else {
            self = Int32(value)
        }
    }
}

extension Int64 {
    @inline(__always)
    init(clampingNumber value: Double) {
        // 2^63 is the smallest Double above Int64.max; everything below it converts exactly.
        if value.isNaN {
            self = 0
        } else if value >= 9_223_372_036_854_775_808.0 {
            self = .max
        } else if value < -9_223_372_036_854_775_808.0 {
            self = .min
        } else {
            self = Int64(value)
        }
    }
}

/// A series of points that keeps at most about `capacity` of any number appended, evenly spread:
/// when it holds 2 × capacity it drops every other point and from then on keeps every second
/// appended one (then every fourth, ...). The last point appended is always kept, so a curve
/// ends where the data ends. Memory is O(capacity), appending O(1) amortised.
struct ThinnedSeries {
    let capacity: Int
    private var kept: [(x: Double, y: Double)] = []
    private var last: (x: Double, y: Double)?
    private var stride = 1
    private var seen = 0

    init(capacity: Int) {
        precondition(capacity >= 1, "ThinnedSeries: capacity \(capacity)")
        self.capacity = capacity
    }

    mutating func append(_ point: (x: Double, y: Double)) {
        if seen % stride == 0 {
            kept.append(point)
            if kept.count >= 2 * capacity {
                kept = kept.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
                stride *= 2
            }
        }
        seen += 1
        last = point
    }

    /// The kept points, and the last one appended when thinning skipped it.
    var points: [(x: Double, y: Double)] {
        guard let last, let end = kept.last, end.x != last.x || end.y != last.y else { return kept }
        return kept + [last]
    }
}

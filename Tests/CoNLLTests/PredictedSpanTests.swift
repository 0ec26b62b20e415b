import CoNLL
import XCTest

/// The boundary masks against enumeration: a path holds a decoded span (same tokens, same tags)
/// exactly when its tags around the span lie in the masks.
final class PredictedSpanTests: XCTestCase {
    func checkMasks(labels: [String], scheme: TagScheme, length: Int) {
        let k = labels.count
        var decoded = [Int](repeating: 0, count: length)
        var checked = 0
        // every decoded sequence, every span in it, against every path
        while true {
            let tags = decoded.map { labels[$0] }
            for span in spans(tags, scheme: scheme) {
                let masks = spanBoundaryMasks(of: span, tags: tags, labels: labels, scheme: scheme)
                var path = [Int](repeating: 0, count: length)
                while true {
                    let pathTags = path.map { labels[$0] }
                    let sameTags = (span.start..<span.end).allSatisfy { path[$0] == decoded[$0] }
                    let holds = sameTags && spans(pathTags, scheme: scheme).contains(span)
                    let inMasks = sameTags && (span.start == 0 || masks.before[path[span.start - 1]])
                        && (span.end == length || masks.after[path[span.end]])
                    XCTAssertEqual(holds, inMasks, "\(scheme) decoded \(tags) span \(span) path \(pathTags)")
                    checked += 1
                    var i = length - 1
                    while i >= 0 && path[i] == k - 1 { path[i] = 0; i -= 1 }
                    if i < 0 { break }
                    path[i] += 1
                }
            }
            var i = length - 1
            while i >= 0 && decoded[i] == k - 1 { decoded[i] = 0; i -= 1 }
            if i < 0 { break }
            decoded[i] += 1
        }
        XCTAssertGreaterThan(checked, 0)
    }

    func testMasksMatchEnumerationIOB2() {
        checkMasks(labels: ["O", "B-X", "I-X", "B-Y", "I-Y"], scheme: .iob2, length: 3)
    }

    func testMasksMatchEnumerationBIOES() {
        checkMasks(labels: ["O", "B-X", "I-X", "E-X", "S-X", "S-Y"], scheme: .bioes, length: 3)
    }

    func testSpansCarryTextOffsetsAndScore() {
        let text = "Ms. Mary Lou  Smith flew."
        let spans = predictedSpans(tags: ["O", "B-PER", "I-PER", "I-PER", "O", "O"], scheme: .iob2,
                                   labels: ["O", "B-PER", "I-PER"], tokens: ["Ms.", "Mary", "Lou", "Smith", "flew", "."],
                                   tokenOffsets: [0..<3, 4..<8, 9..<12, 14..<19, 20..<24, 24..<25], text: text) { span, before, after in
            XCTAssertEqual(before, [true, true, true])  // B-PER starts a span after anything
            XCTAssertEqual(after, [true, true, false])
            return Double(span.count) / 10
        }
        XCTAssertEqual(spans, [PredictedSpan(type: "PER", start: 1, end: 4, text: "Mary Lou  Smith", charStart: 4, charEnd: 19, score: 0.3)])
        let bare = predictedSpans(tags: ["B-LOC"], scheme: .iob2, labels: ["O", "B-LOC", "I-LOC"], tokens: ["Paris"],
                                  tokenOffsets: nil, text: nil) { _, _, _ in 1 }
        XCTAssertEqual(bare, [PredictedSpan(type: "LOC", start: 0, end: 1, text: "Paris", charStart: nil, charEnd: nil, score: 1)])
    }
}

/// The one rule that folds a detector's flagged windows into events: walking the findings in
/// the order given (time order), a finding joins the run before it when its window starts at
/// most `maximumGap` after the previous finding's and `belongTogether(previous, finding)`;
/// otherwise it starts a new run. Each run becomes one event (the detector decides its
/// severity, window and evidence).
///
/// Used with: capacity (`maximumGap` two window lengths: one quiet window between), abuse (the
/// same), drift (one drift window, and only findings of the same kind and severity class run
/// together, so that noise next to a real change does not stretch its window).
///
/// Complexity: O(n).
enum EventFolding {
    static func runs<Finding>(
        _ findings: [Finding], start: (Finding) -> Int64, maximumGap: Int64,
        belongTogether: (Finding, Finding) -> Bool = { _, _ in true }
    ) -> [[Finding]] {
        var runs: [[Finding]] = []
        for finding in findings {
            if let last = runs.last?.last, start(finding) - start(last) <= maximumGap, belongTogether(last, finding) {
                runs[runs.count - 1].append(finding)
            } else {
                runs.append([finding])
            }
        }
        return runs
    }
}

/// The version `modelwatch --version` prints, in one place.
public enum ModelWatchVersion {
    /// Semantic version of this build; raise it with every release.
    public static let current = "0.1.0"
}

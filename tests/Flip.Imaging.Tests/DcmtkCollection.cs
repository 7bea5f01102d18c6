namespace Flip.Imaging.Tests;

/// <summary>Tests that share the dcmtk-written files.</summary>
[CollectionDefinition("dcmtk")]
public sealed class DcmtkCollection : ICollectionFixture<DcmtkFixture>;

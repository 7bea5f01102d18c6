// The first cell of every FLIP notebook (`#load "check-build.csx"`; see notebooks/README.md). It references nothing,
// so it runs even when the build that flip.csx loads is missing, and then says which command to run.
var flipBuild = System.IO.Path.GetFullPath(System.IO.Path.Combine("..", "flip-research", "bin", "Release", "net10.0"));
var flipLibraries = System.IO.Path.Combine(flipBuild, "Flip.Notebooks.dll");
if (!System.IO.File.Exists(flipLibraries))
{
    throw new System.IO.FileNotFoundException(
        $"FLIP Research is not built: {flipLibraries} is missing. In a terminal at the repository root run "
        + "'dotnet build flip-research -c Release', then restart the kernel and run the notebook again.", flipLibraries);
}

System.Console.WriteLine($"FLIP Research build: {flipBuild} (built {System.IO.File.GetLastWriteTimeUtc(flipLibraries):yyyy-MM-dd HH:mm} UTC; after a rebuild, restart the kernel)");

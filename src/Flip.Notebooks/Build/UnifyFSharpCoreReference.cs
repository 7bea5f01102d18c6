// Compiled only by MSBuild's RoslynCodeTaskFactory from Directory.Build.targets (Flip.Notebooks.csproj leaves
// the Build folder out of the library). The factory compiles one source file against .NET Standard 2.0, with
// System.Reflection.Metadata from the SDK (the .NET runtime that runs MSBuild supplies it).
#nullable enable

using System;
using System.IO;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Flip.Notebooks.Build
{
    /// <summary>
    /// MSBuild task: in a build output, raises the FSharp.Core reference of the given assemblies to the FSharp.Core
    /// version that sits in that output, as the .NET host's version unification does for the application itself.
    /// </summary>
    /// <remarks>
    /// Why (notebooks/README.md, "The .NET Interactive kernel"): <c>dotnet-interactive</c> ships its own FSharp.Core
    /// (10.0) and its script loader binds a strong-named reference to a copy in the <c>#r</c> folder only when the
    /// versions are equal, otherwise to the kernel's. Plotly.NET 6.0 references FSharp.Core 10.1 and gets the build's
    /// copy, while Giraffe.ViewEngine 1.4.0 (its HTML DSL) references 5.0 and gets the kernel's: two
    /// <c>FSharpFunc</c> types, and Plotly.NET's defaults fail with
    /// <c>MissingMethodException: Giraffe.ViewEngine.Attributes.get__id()</c>. With the reference raised, both bind to
    /// the same FSharp.Core in the kernel; in the CLI nothing changes (it unified them already). Only the four
    /// version fields of one AssemblyRef row change; the copy is replaced by temp file and rename, so a hard-linked
    /// NuGet cache file is never edited. These assemblies carry no strong-name signature that the edit could break.
    /// </remarks>
    public sealed class UnifyFSharpCoreReference : Microsoft.Build.Utilities.Task
    {
        /// <summary>The output copies whose FSharp.Core reference is raised.</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = new Microsoft.Build.Framework.ITaskItem[0];

        /// <summary>The FSharp.Core.dll in the same output.</summary>
        [Microsoft.Build.Framework.Required]
        public string FSharpCore { get; set; } = "";

        /// <inheritdoc />
        public override bool Execute()
        {
            if (!File.Exists(FSharpCore))
            {
                return true;
            }

            Version target;
            using (var core = new PEReader(File.OpenRead(FSharpCore)))
            {
                target = core.GetMetadataReader().GetAssemblyDefinition().Version;
            }

            foreach (Microsoft.Build.Framework.ITaskItem item in Files)
            {
                string file = item.ItemSpec;
                if (!File.Exists(file))
                {
                    continue;
                }

                try
                {
                    Unify(file, target);
                }
                catch (Exception e) when (e is BadImageFormatException || e is InvalidOperationException || e is IOException)
                {
                    Log.LogError("FLIP: " + file + ": " + e.Message);
                }
            }

            return !Log.HasLoggedErrors;
        }

        private void Unify(string file, Version target)
        {
            byte[] bytes = File.ReadAllBytes(file);
            long row = -1;
            Version? current = null;
            using (var pe = new PEReader(new MemoryStream(bytes)))
            {
                MetadataReader metadata = pe.GetMetadataReader();
                int table = metadata.GetTableMetadataOffset(TableIndex.AssemblyRef);
                int size = metadata.GetTableRowSize(TableIndex.AssemblyRef);
                foreach (AssemblyReferenceHandle handle in metadata.AssemblyReferences)
                {
                    AssemblyReference reference = metadata.GetAssemblyReference(handle);
                    if (metadata.GetString(reference.Name) == "FSharp.Core")
                    {
                        current = reference.Version;
                        row = pe.PEHeaders.MetadataStartOffset + table + (long)(MetadataTokens.GetRowNumber(handle) - 1) * size;
                    }
                }
            }

            if (current is null)
            {
                throw new InvalidOperationException("no FSharp.Core reference; expected one (remove the file from FlipUnifyFSharpCoreIn).");
            }

            if (current == target)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "FLIP: " + file + " already references FSharp.Core " + target + ".");
                return;
            }

            if (current > target)
            {
                throw new InvalidOperationException("references FSharp.Core " + current + ", newer than the " + target + " in the output; expected an older one.");
            }

            // AssemblyRef row (ECMA-335 II.22.5): MajorVersion, MinorVersion, BuildNumber, RevisionNumber as little-endian uint16.
            ushort[] parts = { (ushort)target.Major, (ushort)target.Minor, (ushort)Math.Max(0, target.Build), (ushort)Math.Max(0, target.Revision) };
            for (int i = 0; i < 4; i++)
            {
                bytes[row + 2 * i] = (byte)(parts[i] & 0xFF);
                bytes[row + 2 * i + 1] = (byte)(parts[i] >> 8);
            }

            string temporary = file + ".flip-tmp";
            File.WriteAllBytes(temporary, bytes);
            File.Delete(file);
            File.Move(temporary, file);
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                "FLIP: " + file + ": FSharp.Core reference " + current + " -> " + target + " (one FSharp.Core in the notebook kernel).");
        }
    }
}

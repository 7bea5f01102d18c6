// The one setup every FLIP notebook loads with `#load "flip.csx"` (see notebooks/README.md).
// It references the libraries from the CLI's Release build, which has every project assembly and
// TorchSharp's native library (patched for older libstdc++ by Directory.Build.targets).
// Build it once: dotnet build flip-research -c Release
#r "../flip-research/bin/Release/net10.0/Flip.Core.dll"
#r "../flip-research/bin/Release/net10.0/Flip.Imaging.dll"
#r "../flip-research/bin/Release/net10.0/Flip.Datasets.dll"
#r "../flip-research/bin/Release/net10.0/Flip.Federated.dll"
#r "../flip-research/bin/Release/net10.0/Flip.Learning.dll"
#r "../flip-research/bin/Release/net10.0/Flip.Flower.dll"
#r "../flip-research/bin/Release/net10.0/Flip.Reporting.dll"
#r "../flip-research/bin/Release/net10.0/Flip.Experiments.dll"
#r "../flip-research/bin/Release/net10.0/Flip.Notebooks.dll"
#r "../flip-research/bin/Release/net10.0/TorchSharp.dll"
#r "../flip-research/bin/Release/net10.0/Deedle.dll"
#r "../flip-research/bin/Release/net10.0/Plotly.NET.dll"
#r "../flip-research/bin/Release/net10.0/Plotly.NET.CSharp.dll"
#r "../flip-research/bin/Release/net10.0/FSharp.Core.dll"

Flip.Notebooks.FlipKernelExtension.Register();

using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Flip.Datasets.Samples;

/// <summary>
/// Writes a <see cref="SliceFile"/> patient by patient: slices are appended as they are made and leave memory, the file is
/// written under a temporary name and renamed when <see cref="Complete"/> is called, so a crash never leaves half a file
/// under the final name.
/// </summary>
public sealed class SliceFileWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temporary;
    private readonly FileStream _stream;
    private readonly List<int> _patientOfSlice = [];
    private readonly List<SamplePatient> _patients = [];
    private byte[] _record = [];
    private bool _completed;

    /// <summary>Starts a slice file.</summary>
    /// <param name="path">The file to write; its folder is created.</param>
    public SliceFileWriter(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        _temporary = _path + ".tmp";
        _stream = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        _stream.Write(new byte[SliceFile.HeaderLength]);
    }

    /// <summary>Slices written so far.</summary>
    public int Count => _patientOfSlice.Count;

    /// <summary>Channels, rows and columns of the slices, set by the first patient with slices.</summary>
    public (int Channels, int Height, int Width)? Shape { get; private set; }

    /// <summary>Appends one patient's slices; each slice that contains lesion is written <paramref name="lesionRepeats"/> times in a row (oversampling for training).</summary>
    /// <param name="patient">A set of one patient's slices (<see cref="SliceSetBuilder.Slice(PatientImages, SamplePatient, int)"/>).</param>
    /// <param name="lesionRepeats">How many times a slice with lesion is written (1: once, as every other slice).</param>
    /// <exception cref="FlipException">The patient's slices differ in channels or size from the first patient's (exit code 3).</exception>
    public void Append(SliceSet patient, int lesionRepeats = 1)
    {
        ArgumentNullException.ThrowIfNull(patient);
        ArgumentOutOfRangeException.ThrowIfLessThan(lesionRepeats, 1);
        ObjectDisposedException.ThrowIf(_completed, this);
        int patientIndex = _patients.Count;
        _patients.AddRange(patient.Patients);
        if (patient.Count == 0)
        {
            return;
        }

        Shape ??= (patient.Channels, patient.Height, patient.Width);
        if (Shape != (patient.Channels, patient.Height, patient.Width))
        {
            throw new FlipException("patients' samples differ in channels or size; set a crop size or resample them to one spacing first.", ExitCodes.BadInput);
        }

        int values = patient.Channels * patient.Height * patient.Width, plane = patient.Height * patient.Width;
        int record = SliceFile.RecordLengthOf(patient.Channels, patient.Height, patient.Width);
        if (_record.Length != record)
        {
            _record = new byte[record];
        }

        var image = new float[values];
        var mask = new long[plane];
        for (int s = 0; s < patient.Count; s++)
        {
            patient.CopySlice(s, image, mask);
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.AsBytes(image.AsSpan()).CopyTo(_record);
            }
            else
            {
                for (int i = 0; i < values; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(_record.AsSpan(i * sizeof(float)), image[i]);
                }
            }

            bool lesion = false;
            for (int i = 0; i < plane; i++)
            {
                _record[(values * sizeof(float)) + i] = (byte)mask[i];
                lesion |= mask[i] != 0;
            }

            for (int r = 0, times = lesion ? lesionRepeats : 1; r < times; r++)
            {
                _stream.Write(_record);
                _patientOfSlice.Add(patientIndex + patient.PatientOfSlice[s]);
            }
        }
    }

    /// <summary>Writes the header, renames the file to its final name and opens it for reading.</summary>
    /// <returns>A set reading the written slices, with their patients.</returns>
    public SliceSet Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        if (Shape is null)
        {
            _stream.Dispose();
            File.Delete(_temporary);
            return new SliceSet(3, 0, 0, [], [], [], [.. _patients]);
        }

        var (channels, height, width) = Shape.Value;
        Span<byte> header = stackalloc byte[SliceFile.HeaderLength];
        header.Clear();
        SliceFile.Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], height);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], width);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], _patientOfSlice.Count);
        _stream.Position = 0;
        _stream.Write(header);
        _stream.Flush();
        _stream.Dispose();
        File.Move(_temporary, _path, overwrite: true);
        return SliceSet.OnDisk(SliceFile.Open(_path), [.. _patientOfSlice], [.. _patients]);
    }

    /// <summary>Abandons an unfinished file (its temporary file is deleted).</summary>
    public void Dispose()
    {
        if (!_completed)
        {
            _completed = true;
            _stream.Dispose();
            File.Delete(_temporary);
        }
    }
}

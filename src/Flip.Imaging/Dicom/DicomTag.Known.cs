namespace Flip.Imaging.Dicom;

public readonly partial struct DicomTag
{
    /// <summary>(0002,0000) File Meta Information Group Length.</summary>
    public static readonly DicomTag FileMetaInformationGroupLength = new(0x0002, 0x0000);

    /// <summary>(0002,0001) File Meta Information Version.</summary>
    public static readonly DicomTag FileMetaInformationVersion = new(0x0002, 0x0001);

    /// <summary>(0002,0002) Media Storage SOP Class UID.</summary>
    public static readonly DicomTag MediaStorageSopClassUid = new(0x0002, 0x0002);

    /// <summary>(0002,0003) Media Storage SOP Instance UID.</summary>
    public static readonly DicomTag MediaStorageSopInstanceUid = new(0x0002, 0x0003);

    /// <summary>(0002,0010) Transfer Syntax UID.</summary>
    public static readonly DicomTag TransferSyntaxUid = new(0x0002, 0x0010);

    /// <summary>(0002,0012) Implementation Class UID.</summary>
    public static readonly DicomTag ImplementationClassUid = new(0x0002, 0x0012);

    /// <summary>(0002,0013) Implementation Version Name.</summary>
    public static readonly DicomTag ImplementationVersionName = new(0x0002, 0x0013);

    /// <summary>(0008,0005) Specific Character Set.</summary>
    public static readonly DicomTag SpecificCharacterSet = new(0x0008, 0x0005);

    /// <summary>(0008,0008) Image Type.</summary>
    public static readonly DicomTag ImageType = new(0x0008, 0x0008);

    /// <summary>(0008,0012) Instance Creation Date.</summary>
    public static readonly DicomTag InstanceCreationDate = new(0x0008, 0x0012);

    /// <summary>(0008,0013) Instance Creation Time.</summary>
    public static readonly DicomTag InstanceCreationTime = new(0x0008, 0x0013);

    /// <summary>(0008,0016) SOP Class UID.</summary>
    public static readonly DicomTag SopClassUid = new(0x0008, 0x0016);

    /// <summary>(0008,0018) SOP Instance UID.</summary>
    public static readonly DicomTag SopInstanceUid = new(0x0008, 0x0018);

    /// <summary>(0008,0020) Study Date.</summary>
    public static readonly DicomTag StudyDate = new(0x0008, 0x0020);

    /// <summary>(0008,0021) Series Date.</summary>
    public static readonly DicomTag SeriesDate = new(0x0008, 0x0021);

    /// <summary>(0008,0022) Acquisition Date.</summary>
    public static readonly DicomTag AcquisitionDate = new(0x0008, 0x0022);

    /// <summary>(0008,0023) Content Date.</summary>
    public static readonly DicomTag ContentDate = new(0x0008, 0x0023);

    /// <summary>(0008,002A) Acquisition Date Time.</summary>
    public static readonly DicomTag AcquisitionDateTime = new(0x0008, 0x002A);

    /// <summary>(0008,0030) Study Time.</summary>
    public static readonly DicomTag StudyTime = new(0x0008, 0x0030);

    /// <summary>(0008,0031) Series Time.</summary>
    public static readonly DicomTag SeriesTime = new(0x0008, 0x0031);

    /// <summary>(0008,0032) Acquisition Time.</summary>
    public static readonly DicomTag AcquisitionTime = new(0x0008, 0x0032);

    /// <summary>(0008,0033) Content Time.</summary>
    public static readonly DicomTag ContentTime = new(0x0008, 0x0033);

    /// <summary>(0008,0050) Accession Number.</summary>
    public static readonly DicomTag AccessionNumber = new(0x0008, 0x0050);

    /// <summary>(0008,0060) Modality.</summary>
    public static readonly DicomTag Modality = new(0x0008, 0x0060);

    /// <summary>(0008,0070) Manufacturer.</summary>
    public static readonly DicomTag Manufacturer = new(0x0008, 0x0070);

    /// <summary>(0008,0080) Institution Name.</summary>
    public static readonly DicomTag InstitutionName = new(0x0008, 0x0080);

    /// <summary>(0008,0081) Institution Address.</summary>
    public static readonly DicomTag InstitutionAddress = new(0x0008, 0x0081);

    /// <summary>(0008,0090) Referring Physician Name.</summary>
    public static readonly DicomTag ReferringPhysicianName = new(0x0008, 0x0090);

    /// <summary>(0008,1010) Station Name.</summary>
    public static readonly DicomTag StationName = new(0x0008, 0x1010);

    /// <summary>(0008,1030) Study Description.</summary>
    public static readonly DicomTag StudyDescription = new(0x0008, 0x1030);

    /// <summary>(0008,103E) Series Description.</summary>
    public static readonly DicomTag SeriesDescription = new(0x0008, 0x103E);

    /// <summary>(0008,1090) Manufacturer Model Name.</summary>
    public static readonly DicomTag ManufacturerModelName = new(0x0008, 0x1090);

    /// <summary>(0008,1140) Referenced Image Sequence.</summary>
    public static readonly DicomTag ReferencedImageSequence = new(0x0008, 0x1140);

    /// <summary>(0010,0010) Patient Name.</summary>
    public static readonly DicomTag PatientName = new(0x0010, 0x0010);

    /// <summary>(0010,0020) Patient ID.</summary>
    public static readonly DicomTag PatientId = new(0x0010, 0x0020);

    /// <summary>(0010,0030) Patient Birth Date.</summary>
    public static readonly DicomTag PatientBirthDate = new(0x0010, 0x0030);

    /// <summary>(0010,0040) Patient Sex.</summary>
    public static readonly DicomTag PatientSex = new(0x0010, 0x0040);

    /// <summary>(0010,1000) Other Patient IDs.</summary>
    public static readonly DicomTag OtherPatientIds = new(0x0010, 0x1000);

    /// <summary>(0010,1010) Patient Age.</summary>
    public static readonly DicomTag PatientAge = new(0x0010, 0x1010);

    /// <summary>(0010,1020) Patient Size.</summary>
    public static readonly DicomTag PatientSize = new(0x0010, 0x1020);

    /// <summary>(0010,1030) Patient Weight.</summary>
    public static readonly DicomTag PatientWeight = new(0x0010, 0x1030);

    /// <summary>(0010,1040) Patient Address.</summary>
    public static readonly DicomTag PatientAddress = new(0x0010, 0x1040);

    /// <summary>(0012,0062) Patient IDentity Removed.</summary>
    public static readonly DicomTag PatientIdentityRemoved = new(0x0012, 0x0062);

    /// <summary>(0012,0063) Deidentification Method.</summary>
    public static readonly DicomTag DeidentificationMethod = new(0x0012, 0x0063);

    /// <summary>(0018,0050) Slice Thickness.</summary>
    public static readonly DicomTag SliceThickness = new(0x0018, 0x0050);

    /// <summary>(0018,0080) Repetition Time.</summary>
    public static readonly DicomTag RepetitionTime = new(0x0018, 0x0080);

    /// <summary>(0018,0081) Echo Time.</summary>
    public static readonly DicomTag EchoTime = new(0x0018, 0x0081);

    /// <summary>(0018,0087) Magnetic Field Strength.</summary>
    public static readonly DicomTag MagneticFieldStrength = new(0x0018, 0x0087);

    /// <summary>(0018,0088) Spacing Between Slices.</summary>
    public static readonly DicomTag SpacingBetweenSlices = new(0x0018, 0x0088);

    /// <summary>(0018,1000) Device Serial Number.</summary>
    public static readonly DicomTag DeviceSerialNumber = new(0x0018, 0x1000);

    /// <summary>(0018,1030) Protocol Name.</summary>
    public static readonly DicomTag ProtocolName = new(0x0018, 0x1030);

    /// <summary>(0054,0016) Radiopharmaceutical Information Sequence.</summary>
    public static readonly DicomTag RadiopharmaceuticalInformationSequence = new(0x0054, 0x0016);

    /// <summary>(0018,0031) Radiopharmaceutical.</summary>
    public static readonly DicomTag Radiopharmaceutical = new(0x0018, 0x0031);

    /// <summary>(0018,1072) Radiopharmaceutical Start Time.</summary>
    public static readonly DicomTag RadiopharmaceuticalStartTime = new(0x0018, 0x1072);

    /// <summary>(0018,1078) Radiopharmaceutical Start Date Time.</summary>
    public static readonly DicomTag RadiopharmaceuticalStartDateTime = new(0x0018, 0x1078);

    /// <summary>(0018,1074) Radionuclide Total Dose.</summary>
    public static readonly DicomTag RadionuclideTotalDose = new(0x0018, 0x1074);

    /// <summary>(0018,1075) Radionuclide Half Life.</summary>
    public static readonly DicomTag RadionuclideHalfLife = new(0x0018, 0x1075);

    /// <summary>(0020,000D) Study Instance UID.</summary>
    public static readonly DicomTag StudyInstanceUid = new(0x0020, 0x000D);

    /// <summary>(0020,000E) Series Instance UID.</summary>
    public static readonly DicomTag SeriesInstanceUid = new(0x0020, 0x000E);

    /// <summary>(0020,0010) Study ID.</summary>
    public static readonly DicomTag StudyId = new(0x0020, 0x0010);

    /// <summary>(0020,0011) Series Number.</summary>
    public static readonly DicomTag SeriesNumber = new(0x0020, 0x0011);

    /// <summary>(0020,0012) Acquisition Number.</summary>
    public static readonly DicomTag AcquisitionNumber = new(0x0020, 0x0012);

    /// <summary>(0020,0013) Instance Number.</summary>
    public static readonly DicomTag InstanceNumber = new(0x0020, 0x0013);

    /// <summary>(0020,0032) Image Position Patient.</summary>
    public static readonly DicomTag ImagePositionPatient = new(0x0020, 0x0032);

    /// <summary>(0020,0037) Image Orientation Patient.</summary>
    public static readonly DicomTag ImageOrientationPatient = new(0x0020, 0x0037);

    /// <summary>(0020,0052) Frame Of Reference UID.</summary>
    public static readonly DicomTag FrameOfReferenceUid = new(0x0020, 0x0052);

    /// <summary>(0020,1041) Slice Location.</summary>
    public static readonly DicomTag SliceLocation = new(0x0020, 0x1041);

    /// <summary>(0028,0002) Samples Per Pixel.</summary>
    public static readonly DicomTag SamplesPerPixel = new(0x0028, 0x0002);

    /// <summary>(0028,0004) Photometric Interpretation.</summary>
    public static readonly DicomTag PhotometricInterpretation = new(0x0028, 0x0004);

    /// <summary>(0028,0006) Planar Configuration.</summary>
    public static readonly DicomTag PlanarConfiguration = new(0x0028, 0x0006);

    /// <summary>(0028,0008) Number Of Frames.</summary>
    public static readonly DicomTag NumberOfFrames = new(0x0028, 0x0008);

    /// <summary>(0028,0010) Rows.</summary>
    public static readonly DicomTag Rows = new(0x0028, 0x0010);

    /// <summary>(0028,0011) Columns.</summary>
    public static readonly DicomTag Columns = new(0x0028, 0x0011);

    /// <summary>(0028,0030) Pixel Spacing.</summary>
    public static readonly DicomTag PixelSpacing = new(0x0028, 0x0030);

    /// <summary>(0028,0100) Bits Allocated.</summary>
    public static readonly DicomTag BitsAllocated = new(0x0028, 0x0100);

    /// <summary>(0028,0101) Bits Stored.</summary>
    public static readonly DicomTag BitsStored = new(0x0028, 0x0101);

    /// <summary>(0028,0102) High Bit.</summary>
    public static readonly DicomTag HighBit = new(0x0028, 0x0102);

    /// <summary>(0028,0103) Pixel Representation.</summary>
    public static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);

    /// <summary>(0028,1050) Window Center.</summary>
    public static readonly DicomTag WindowCenter = new(0x0028, 0x1050);

    /// <summary>(0028,1051) Window Width.</summary>
    public static readonly DicomTag WindowWidth = new(0x0028, 0x1051);

    /// <summary>(0028,1052) Rescale Intercept.</summary>
    public static readonly DicomTag RescaleIntercept = new(0x0028, 0x1052);

    /// <summary>(0028,1053) Rescale Slope.</summary>
    public static readonly DicomTag RescaleSlope = new(0x0028, 0x1053);

    /// <summary>(0028,1054) Rescale Type.</summary>
    public static readonly DicomTag RescaleType = new(0x0028, 0x1054);

    /// <summary>(0028,9110) Pixel Measures Sequence.</summary>
    public static readonly DicomTag PixelMeasuresSequence = new(0x0028, 0x9110);

    /// <summary>(0028,9145) Pixel Value Transformation Sequence.</summary>
    public static readonly DicomTag PixelValueTransformationSequence = new(0x0028, 0x9145);

    /// <summary>(0054,1001) Units.</summary>
    public static readonly DicomTag Units = new(0x0054, 0x1001);

    /// <summary>(0054,1102) Decay Correction.</summary>
    public static readonly DicomTag DecayCorrection = new(0x0054, 0x1102);

    /// <summary>(5200,9229) Shared Functional Groups Sequence.</summary>
    public static readonly DicomTag SharedFunctionalGroupsSequence = new(0x5200, 0x9229);

    /// <summary>(5200,9230) Per Frame Functional Groups Sequence.</summary>
    public static readonly DicomTag PerFrameFunctionalGroupsSequence = new(0x5200, 0x9230);

    /// <summary>(0020,9113) Plane Position Sequence.</summary>
    public static readonly DicomTag PlanePositionSequence = new(0x0020, 0x9113);

    /// <summary>(0020,9116) Plane Orientation Sequence.</summary>
    public static readonly DicomTag PlaneOrientationSequence = new(0x0020, 0x9116);

    /// <summary>(7FE0,0001) Extended Offset Table.</summary>
    public static readonly DicomTag ExtendedOffsetTable = new(0x7FE0, 0x0001);

    /// <summary>(7FE0,0002) Extended Offset Table Lengths.</summary>
    public static readonly DicomTag ExtendedOffsetTableLengths = new(0x7FE0, 0x0002);

    /// <summary>(7FE0,0010) Pixel Data.</summary>
    public static readonly DicomTag PixelData = new(0x7FE0, 0x0010);

    /// <summary>(7FE0,0008) Float Pixel Data.</summary>
    public static readonly DicomTag FloatPixelData = new(0x7FE0, 0x0008);

    /// <summary>(7FE0,0009) Double Float Pixel Data.</summary>
    public static readonly DicomTag DoubleFloatPixelData = new(0x7FE0, 0x0009);

    /// <summary>(FFFE,E000) Item.</summary>
    public static readonly DicomTag Item = new(0xFFFE, 0xE000);

    /// <summary>(FFFE,E00D) Item Delimitation Item.</summary>
    public static readonly DicomTag ItemDelimitationItem = new(0xFFFE, 0xE00D);

    /// <summary>(FFFE,E0DD) Sequence Delimitation Item.</summary>
    public static readonly DicomTag SequenceDelimitationItem = new(0xFFFE, 0xE0DD);
}

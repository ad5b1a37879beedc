; Inno Setup 6 script: the Windows installer over the one-folder build (scripts/build_app.py).
;
;   python scripts/build_app.py
;   iscc /DAppVersion=0.1.0 packaging\windows\fileexam.iss     -> build\installer\fileexam-0.1.0-setup.exe
;   (the version is fileexam.__version__; the workflow reads it from the package)
;
; Installs for the current user without administrator rights (into %LOCALAPPDATA%\Programs\fileexam), or
; for every user of the machine when IT runs it elevated with /ALLUSERS; silent with /VERYSILENT. Start
; menu: fileexam, fileexam demo, and the shipped question sets and examples. .fileexam files open in the
; app. Optionally adds the folder to the user's PATH, for the `fileexam` command line.
; The folder holds THIRD-PARTY-NOTICES.txt (made by the build; Help > About opens it), installed with the rest.
; The settings, data, backups and logs are in the user's own folders (Help > About shows where): the
; uninstaller leaves them, and every inspection file, where they are.

#ifndef AppVersion
  #error Give the version: iscc /DAppVersion=X.Y.Z (fileexam.__version__; the workflow passes it)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\build\dist\fileexam"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\build\installer"
#endif

[Setup]
AppId={{6C0F3E52-5B7A-4C8E-9D61-2A4F0E7B9C11}
AppName=fileexam
AppVersion={#AppVersion}
AppVerName=fileexam {#AppVersion}
VersionInfoVersion={#AppVersion}
AppPublisher=fileexam
DefaultDirName={autopf}\fileexam
DefaultGroupName=fileexam
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=fileexam-{#AppVersion}-setup
SetupIconFile=..\fileexam.ico
UninstallDisplayIcon={app}\fileexamw.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
ChangesEnvironment=yes
; Code signing: the workflow (.github/workflows/installer.yml, packaging/windows/sign.ps1) signs
; fileexam.exe and fileexamw.exe before this runs and the setup program after it. With Inno Setup's own
; signing instead (it then signs the uninstaller too), define a sign tool named "signtool" in the compiler
; (iscc "/Ssigntool=signtool sign /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 /f cert.pfx /p PASSWORD $f")
; and uncomment:
; SignTool=signtool

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked
Name: "addtopath"; Description: "Add fileexam to my PATH (to use the fileexam command in a terminal)"; Flags: unchecked; Check: not IsAdminInstallMode

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\fileexam\fileexam"; Filename: "{app}\fileexamw.exe"; WorkingDir: "{userdocs}"
Name: "{autoprograms}\fileexam\fileexam demo"; Filename: "{app}\fileexamw.exe"; Parameters: "--demo"; WorkingDir: "{userdocs}"
Name: "{autoprograms}\fileexam\Question sets"; Filename: "{app}\question_sets"
Name: "{autoprograms}\fileexam\Example workbooks"; Filename: "{app}\exports\examples"
Name: "{autodesktop}\fileexam"; Filename: "{app}\fileexamw.exe"; WorkingDir: "{userdocs}"; Tasks: desktopicon

[Registry]
; .fileexam files open in the app (per user, or for the machine when installed for all users)
Root: HKA; Subkey: "Software\Classes\.fileexam"; ValueType: string; ValueName: ""; ValueData: "fileexam.inspection"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\fileexam.inspection"; ValueType: string; ValueName: ""; ValueData: "fileexam inspection"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\fileexam.inspection\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\fileexamw.exe,0"
Root: HKA; Subkey: "Software\Classes\fileexam.inspection\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\fileexamw.exe"" ""%1"""
; the user's PATH, for the command line (the addtopath task)
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NotOnPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\fileexamw.exe"; Parameters: "--demo"; Description: "Open the demo inspection"; Flags: nowait postinstall skipifsilent unchecked

[Code]
function NotOnPath(Folder: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
    Path := '';
  Result := Pos(';' + Uppercase(Folder) + ';', ';' + Uppercase(Path) + ';') = 0;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Path, Folder: string;
  P: Integer;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  Folder := ExpandConstant('{app}');
  if RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
  begin
    P := Pos(';' + Uppercase(Folder), Uppercase(Path));
    if P > 0 then
    begin
      Delete(Path, P, Length(Folder) + 1);
      RegWriteExpandStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path);
    end;
  end;
end;

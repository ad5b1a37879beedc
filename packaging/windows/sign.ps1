# Signs files with the inspectorate's code-signing certificate (Authenticode, SHA-256, RFC 3161 timestamp),
# then checks each signature. The certificate comes from the environment: CERT_PFX_BASE64 (a .pfx file in
# base64) and CERT_PASSWORD; the workflow fills them from the repository's secrets. Without them it prints
# the command it would run and succeeds, so the workflow runs before a certificate exists.
#
#   pwsh packaging/windows/sign.ps1 build\dist\fileexam\fileexam.exe build\dist\fileexam\fileexamw.exe
param([Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)][string[]]$Files)
$ErrorActionPreference = "Stop"
$timestamp = "http://timestamp.digicert.com"   # the certificate issuer's RFC 3161 server
$temp = if ($env:RUNNER_TEMP) { $env:RUNNER_TEMP } else { [IO.Path]::GetTempPath() }
$pfx = Join-Path $temp "fileexam-signing.pfx"
$shown = "signtool sign /fd SHA256 /tr $timestamp /td SHA256 /f $pfx /p <password> $($Files -join ' ')"
if (-not $env:CERT_PFX_BASE64) {
    Write-Host "No signing certificate configured (secrets FILEEXAM_SIGNING_PFX_BASE64, FILEEXAM_SIGNING_PASSWORD)."
    Write-Host "Would run: $shown"
    Write-Host "and then:  signtool verify /pa /v $($Files -join ' ')"
    exit 0
}
$signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
    Sort-Object { [version]$_.Directory.Parent.Name } | Select-Object -Last 1
try {
    [IO.File]::WriteAllBytes($pfx, [Convert]::FromBase64String($env:CERT_PFX_BASE64))
    & $signtool.FullName sign /fd SHA256 /tr $timestamp /td SHA256 /f $pfx /p $env:CERT_PASSWORD @Files
    if ($LASTEXITCODE) { throw "signtool sign failed ($LASTEXITCODE)" }
    & $signtool.FullName verify /pa /v @Files
    if ($LASTEXITCODE) { throw "signtool verify failed ($LASTEXITCODE)" }
} finally {
    Remove-Item $pfx -ErrorAction SilentlyContinue   # never left on the runner
}

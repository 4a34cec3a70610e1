// Sends the login request on to login.gov.pl at once; without JavaScript the button does it.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("to-node");
  if (form) { form.submit(); }
});

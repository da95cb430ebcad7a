BprobsJ<îO2>¹Dj>nM%>¿æs>(7J>š
3>ZUh>Q•$>C›u>~oJ>åk5>&ýd>•,'>Ä‘s>ŸØJ>